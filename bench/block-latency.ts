/**
 * `npm run bench:block`: how long after the report that crosses the threshold an image is auto-blocked, with the
 * API and the workers in this process on a throw-away database and queue prefix. For each of N distinct uploads,
 * two ordinary readers report, then a third; the clock runs from the third report's 202 until PostgreSQL shows
 * `auto_blocked` (polled every 2 ms). Prints the median, p90, p99 and maximum in ms. Target: p99 under 250 ms.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { signToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { closeDeps, createDeps } from '../src/deps.js';
import { createHttpServer } from '../src/http/server.js';
import { createLogger } from '../src/logger.js';
import { distinctPicture } from '../test/helpers/images.js';
import { startWorkers } from '../workers/start-workers.js';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 40);
const server = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
const name = `imgmod_bench_${Date.now().toString(36)}`;
const dataDir = await mkdtemp(join(tmpdir(), 'imgmod-bench-'));
const config = loadConfig({
  DATABASE_URL: `${server}/${name}`,
  QUEUE_PREFIX: name,
  DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  OUTBOX_POLL_MS: '1000',
});
const deps = await createDeps(config, createLogger('silent'));
const http = createHttpServer(buildApp(deps), config).server.listen(0, '127.0.0.1');
await once(http, 'listening');
const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
const workers = startWorkers(deps);

const auth = async (sub: string) => ({ authorization: `Bearer ${await signToken(config.JWT_SECRET, { sub })}` });
const status = async (id: string) =>
  (await deps.pool.query<{ status: string }>('SELECT status FROM images WHERE id = $1', [id])).rows[0]!.status;
async function until(id: string, wanted: string): Promise<void> {
  while ((await status(id)) !== wanted) await new Promise((resolve) => setTimeout(resolve, 2));
}
async function report(id: string, reader: string): Promise<void> {
  const response = await fetch(`${base}/v1/images/${id}/reports`, {
    method: 'POST',
    headers: { ...(await auth(reader)), 'content-type': 'application/json' },
    body: '{"reason":"spam"}',
  });
  if (response.status !== 202) throw new Error(`report answered ${response.status}`);
}

const latencies: number[] = [];
try {
  for (let index = 0; index < IMAGES; index++) {
    const form = new FormData();
    form.append('file', new Blob([await distinctPicture(10_000 + index)]), 'bench.jpg');
    const upload = await fetch(`${base}/v1/images`, { method: 'POST', headers: await auth('bench-uploader'), body: form });
    const { id } = (await upload.json()) as { id: string };
    await until(id, 'visible');
    await report(id, `first-${index}`);
    await report(id, `second-${index}`);
    await report(id, `third-${index}`);
    const crossed = performance.now();
    await until(id, 'auto_blocked');
    latencies.push(performance.now() - crossed);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!.toFixed(1);
  console.log(
    `crossing report → auto_blocked over ${IMAGES} images: median ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`,
  );
} finally {
  await workers.close();
  http.close();
  const keys = await deps.redis.keys(`${name}:*`);
  if (keys.length > 0) await deps.redis.del(...keys);
  await closeDeps(deps);
  const admin = new pg.Client({ connectionString: `${server}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await rm(dataDir, { recursive: true, force: true });
}
