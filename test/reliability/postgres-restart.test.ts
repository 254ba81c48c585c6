import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { spawnImgmod, type ImgmodProcess } from '../helpers/imgmod-process.js';
import { startOwnPostgres, type OwnPostgres } from '../helpers/own-servers.js';
import { driveReports, tally, uploadVisible, type ReportPair } from '../helpers/report-load.js';
import { TEST_REDIS_URL } from '../helpers/test-env.js';
import { waitFor } from '../helpers/test-service.js';

const JWT_SECRET = 'restart-test-secret-0123456789abcdef';
let postgres: OwnPostgres;
let dataDir: string;
const processes: ImgmodProcess[] = [];

beforeAll(async () => {
  postgres = await startOwnPostgres();
  dataDir = await mkdtemp(join(tmpdir(), 'imgmod-restart-'));
}, 60_000);
afterAll(async () => {
  for (const child of processes) child.child.kill('SIGKILL');
  await postgres?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a PostgreSQL restart under load', () => {
  it('when PostgreSQL restarts mid-burst, then the api+worker (--role all) and worker processes live, every acknowledged report is stored once and every block lands', async () => {
    const databaseUrl = postgres.url('imgmod');
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: `imgmod-test-${inject('runId')}-pgrestart-${process.pid}`,
      DATA_DIR: dataDir,
      JWT_SECRET,
      RATE_LIMIT_READER: 'none',
      RATE_LIMIT_NETWORK: 'none',
      DEMO_MODE: 'false',
      OUTBOX_POLL_MS: '200',
    };
    const all = await spawnImgmod('all', env);
    const worker = await spawnImgmod('worker', env);
    processes.push(all, worker);
    const baseUrl = `http://127.0.0.1:${all.port}`;
    const ids = await uploadVisible({ baseUrl, jwtSecret: JWT_SECRET, databaseUrl, count: 6, seed: 9100 });
    const pairs: ReportPair[] = ids.flatMap((imageId) => ['r1', 'r2', 'r3', 'r4', 'r5'].map((reader) => ({ imageId, reader })));

    let restart: Promise<void> | undefined;
    const load = driveReports({
      baseUrl: () => baseUrl,
      jwtSecret: JWT_SECRET,
      pairs: pairs.sort(() => Math.random() - 0.5),
      concurrency: 4,
      deadlineMs: 60_000,
      onSent: (sent) => {
        if (sent === 6) {
          restart = (async () => {
            await postgres.stop();
            await new Promise((resolve) => setTimeout(resolve, 1_500));
            await postgres.start();
          })();
        }
      },
    });
    const outcome = await load;
    await restart;

    expect({ allAlive: all.alive(), workerAlive: worker.alive() }).toEqual({ allAlive: true, workerAlive: true });
    expect(outcome.statuses['503'] ?? 0).toBeGreaterThan(0); // the outage was seen, and answered honestly
    expect({ hung: outcome.hung, serverErrors: outcome.serverErrors, missingRetryAfter: outcome.missingRetryAfter }).toEqual({
      hung: 0,
      serverErrors: 0,
      missingRetryAfter: 0,
    });
    expect(outcome.acknowledged.size).toBe(pairs.length);
    await waitFor(async () => (await tally(databaseUrl, ids, outcome.acknowledged)).blocked === ids.length, 60_000);
    expect(await tally(databaseUrl, ids, outcome.acknowledged)).toEqual({
      stored: pairs.length,
      storedTwice: 0,
      lost: 0,
      blocked: ids.length,
      auditEvents: ids.length,
    });
    expect(all.alive() && worker.alive()).toBe(true);
    expect(all.output() + worker.output()).not.toMatch(/Unhandled 'error' event/);
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
  }, 180_000);
});
