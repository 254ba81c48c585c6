/**
 * Serving scenario of `npm run bench`: `GET /i/:id` for a visible image, a blocked one (410 and the
 * placeholder) and a thumbnail, against express.static serving the very same bytes, 50 connections, in
 * interleaved pairs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { ratio, type BenchContext } from '../lib/context.js';
import { closedLoop, send } from '../lib/load.js';
import { startReference } from '../lib/processes.js';
import { median } from '../lib/stats.js';

const CONNECTIONS = 50;

/** Targets from the performance issue: served bytes at (nearly) the speed of a static file server. */
const VARIANTS = [
  { name: 'visible', file: 'display', target: 0.95 },
  { name: 'blocked (410)', file: 'placeholder.webp', target: 0.9 },
  { name: 'thumbnail', file: 'thumb.webp', target: 0.8 },
] as const;

export async function serving(context: BenchContext, visibleId: string, blockedId: string): Promise<void> {
  const base = new URL(`http://127.0.0.1:${context.api.port}`);
  const agent = new http.Agent({ keepAlive: true });
  const paths = { visible: `/i/${visibleId}`, 'blocked (410)': `/i/${blockedId}`, thumbnail: `/i/${visibleId}/thumb` };
  const dir = join(context.tmpDir, 'static');
  await mkdir(dir, { recursive: true });
  for (const variant of VARIANTS) {
    const answer = await send(base, agent, { method: 'GET', path: paths[variant.name] });
    await writeFile(join(dir, variant.file), answer.body);
  }
  agent.destroy();
  const server = await startReference('static-server', { REF_STATIC_DIR: dir });
  const reference = new URL(`http://127.0.0.1:${server.port}`);
  try {
    for (const variant of VARIANTS) {
      context.log(`serving: ${variant.name}`);
      const rates: Record<'imgmod' | 'static', number[]> = { imgmod: [], static: [] };
      for (let round = 0; round < context.rounds; round++) {
        const order: Array<'imgmod' | 'static'> = round % 2 ? ['static', 'imgmod'] : ['imgmod', 'static'];
        for (const name of order) {
          const path = name === 'imgmod' ? paths[variant.name] : `/${variant.file}`;
          const run = await closedLoop(name === 'imgmod' ? base : reference, {
            connections: CONNECTIONS,
            durationMs: context.runMs,
            next: () => ({ method: 'GET', path }),
          });
          rates[name].push((run.answered.length * 1000) / run.durationMs);
        }
      }
      const r = ratio(median(rates.imgmod), median(rates.static));
      context.rows.push({
        measure: `GET /i/:id ${variant.name}, ${CONNECTIONS} connections`,
        imgmod: `${median(rates.imgmod).toFixed(0)} req/s`,
        reference: `express.static, same bytes: ${median(rates.static).toFixed(0)} req/s`,
        ratio: r,
        target: `≥ ${variant.target}× static`,
        met: (r ?? 0) >= variant.target,
        data: rates,
      });
    }
  } finally {
    await server.stop();
  }
}
