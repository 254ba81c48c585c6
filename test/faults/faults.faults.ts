/**
 * The fault suite: imgmod's compiled processes on a PostgreSQL and a Redis of its own, bounded report load
 * over loopback, and one fault injected mid-burst per test. Every test fails on a lost or double-counted
 * report, a missing or double block, a hung request, a 500 (or a 503 without Retry-After) or a crash.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, type TaskMeta } from 'vitest';
import { signToken } from '../../src/auth/tokens.js';
import { slowAnimation } from '../helpers/images.js';
import { spawnImgmod, type ImgmodProcess } from '../helpers/imgmod-process.js';
import { startOwnPostgres, startOwnRedis, type OwnPostgres, type OwnRedis } from '../helpers/own-servers.js';
import { driveReports, tally, uploadVisible, type LoadOutcome, type ReportPair } from '../helpers/report-load.js';
import { waitFor } from '../helpers/test-service.js';
import type { FaultRow } from './fault-reporter.js';

const JWT_SECRET = 'fault-suite-secret-0123456789abcdef';
const IMAGES = 6;
const READERS = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];

let postgres: OwnPostgres;
let redis: OwnRedis;
let scenarioCount = 0;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startOwnPostgres(), startOwnRedis()]);
});
afterAll(async () => {
  await Promise.all([postgres?.close(), redis?.close()]);
});

/** The processes of one scenario: an API and a worker (split), or one `--role all`. */
class Deployment {
  api: ImgmodProcess | undefined;
  worker: ImgmodProcess | null = null;
  /** Processes that ended without the scenario asking them to. */
  crashes = 0;
  private readonly intended = new Set<ImgmodProcess>();

  constructor(
    readonly env: Record<string, string>,
    readonly split: boolean,
    readonly workerEnv: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    this.api = await this.spawn(this.split ? 'api' : 'all', {});
    if (this.split) this.worker = await this.spawn('worker', this.workerEnv);
  }

  baseUrl = () => `http://127.0.0.1:${this.api!.port}`;

  /** Ends a process on purpose (SIGKILL or SIGTERM); its exit is not a crash. @returns its exit code or signal */
  async stop(which: 'api' | 'worker', signal: NodeJS.Signals): Promise<number | string> {
    const target = which === 'api' ? this.api! : this.worker!;
    this.intended.add(target);
    target.child.kill(signal);
    return target.exited;
  }

  async restart(which: 'api' | 'worker'): Promise<void> {
    if (which === 'api') this.api = await this.spawn(this.split ? 'api' : 'all', {});
    else this.worker = await this.spawn('worker', this.workerEnv);
  }

  alive(): boolean {
    return (this.api?.alive() ?? false) && (this.worker?.alive() ?? true);
  }

  async close(): Promise<void> {
    for (const running of [this.api, this.worker]) {
      if (!running?.alive()) continue;
      this.intended.add(running);
      running.child.kill('SIGKILL');
      await running.exited;
    }
  }

  private async spawn(role: 'api' | 'worker' | 'all', extra: Record<string, string>): Promise<ImgmodProcess> {
    const started = await spawnImgmod(role, { ...this.env, ...extra });
    void started.exited.then(() => {
      if (!this.intended.has(started)) this.crashes++;
    });
    return started;
  }
}

interface Scenario {
  fault: string;
  split: boolean;
  workerEnv?: Record<string, string>;
  /** The pairs to report (default: every reader on every image). */
  pairs?: (ids: string[]) => ReportPair[];
  concurrency?: number;
  /** Requests sent before the fault is injected. */
  injectAfter?: number;
  /** Injects the fault (and ends it); `notes` collects what it observed. */
  inject?: (deployment: Deployment, ids: string[], notes: string[]) => Promise<void>;
  /** Extra images uploaded after the others, which must not block (e.g. the pathological one). */
  extra?: (deployment: Deployment, notes: string[]) => Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one scenario and records its row on the test's meta before asserting. */
async function runScenario(meta: TaskMeta, scenario: Scenario): Promise<void> {
  const database = `faults_${++scenarioCount}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'imgmod-faults-'));
  const deployment = new Deployment(
    {
      DATABASE_URL: postgres.url(database),
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `imgmod-faults-${scenarioCount}`,
      DATA_DIR: dataDir,
      JWT_SECRET,
      DEMO_MODE: 'false',
      RATE_LIMIT_READER: 'none',
      RATE_LIMIT_NETWORK: 'none',
      OUTBOX_POLL_MS: '200',
      OUTBOX_RESEND_AFTER_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '10000',
    },
    scenario.split,
    scenario.workerEnv,
  );
  const notes: string[] = [];
  let outcome: LoadOutcome | undefined;
  let ids: string[] = [];
  let pairs: ReportPair[] = [];
  // What stopped the scenario before its load ran, so the row and the failure name it rather than only "no load".
  let stopped: unknown;
  try {
    await deployment.start();
    ids = await uploadVisible({
      baseUrl: deployment.baseUrl(),
      jwtSecret: JWT_SECRET,
      databaseUrl: postgres.url(database),
      count: IMAGES,
      seed: 7000 + scenarioCount * 10,
    });
    await scenario.extra?.(deployment, notes);
    pairs = scenario.pairs?.(ids) ?? ids.flatMap((imageId) => READERS.map((reader) => ({ imageId, reader })));
    let injected: Promise<void> | undefined;
    outcome = await driveReports({
      baseUrl: deployment.baseUrl,
      jwtSecret: JWT_SECRET,
      pairs: [...pairs].sort(() => Math.random() - 0.5),
      concurrency: scenario.concurrency ?? 4,
      hangMs: 10_000,
      deadlineMs: 60_000,
      onSent: (sent) => {
        if (sent === (scenario.injectAfter ?? 5) && scenario.inject) injected = scenario.inject(deployment, ids, notes);
      },
    });
    await injected;
    // A job cut by kill -9 is recovered by BullMQ's stalled check: its lock (30 s) must expire, then a check (every 30 s) run.
    await waitFor(async () => (await tally(postgres.url(database), ids, outcome!.acknowledged)).blocked === ids.length, 90_000).catch(
      () => undefined,
    );
  } catch (error) {
    stopped = error;
    notes.push(`stopped: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
  } finally {
    const counted = outcome ? await tally(postgres.url(database), ids, outcome.acknowledged).catch(() => null) : null;
    const statuses = outcome
      ? Object.entries(outcome.statuses)
          .map(([code, n]) => `${n}×${code}`)
          .join(' ')
      : 'no load';
    const row: FaultRow = {
      fault: scenario.fault,
      reportsSent: new Set(pairs.map((pair) => `${pair.imageId}/${pair.reader}`)).size,
      requests: outcome?.sent ?? 0,
      acknowledged: outcome?.acknowledged.size ?? 0,
      stored: counted?.stored ?? -1,
      shouldBlock: ids.length,
      blocked: counted?.blocked ?? -1,
      auditEvents: counted?.auditEvents ?? -1,
      hung: outcome?.hung ?? 0,
      errors500: (outcome?.serverErrors ?? 0) + (outcome?.missingRetryAfter ?? 0),
      crashes: deployment.crashes,
      notes: [statuses, ...notes].join('; '),
    };
    meta.fault = row;
    const alive = deployment.alive();
    await deployment.close();
    await rm(dataDir, { recursive: true, force: true });
    expect({ crashes: deployment.crashes, alive }).toEqual({ crashes: 0, alive: true });
    // Shows the error (and its stack) that stopped the scenario.
    expect(
      stopped === undefined ? null : stopped instanceof Error ? (stopped.stack ?? stopped.message) : JSON.stringify(stopped),
    ).toBeNull();
    expect(counted).not.toBeNull();
    expect(outcome!.unacknowledged).toBe(0);
    expect({ lost: counted!.lost, storedTwice: counted!.storedTwice, stored: counted!.stored }).toEqual({
      lost: 0,
      storedTwice: 0,
      stored: outcome!.acknowledged.size,
    });
    expect({ blocked: counted!.blocked, auditEvents: counted!.auditEvents }).toEqual({ blocked: ids.length, auditEvents: ids.length });
    expect({ hung: row.hung, errors500: row.errors500 }).toEqual({ hung: 0, errors500: 0 });
  }
}

async function readyz(deployment: Deployment): Promise<number> {
  return (await fetch(`${deployment.baseUrl()}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;
}

describe('fault suite', () => {
  it('kill -9 of a worker mid-burst', ({ task }) =>
    runScenario(task.meta, {
      fault: 'kill -9 worker mid-burst',
      split: true,
      inject: async (deployment, _ids, notes) => {
        notes.push(`worker exit ${String(await deployment.stop('worker', 'SIGKILL'))}`);
        await pause(1_000);
        await deployment.restart('worker');
      },
    }));

  it('Redis killed and restarted empty', ({ task }) =>
    runScenario(task.meta, {
      fault: 'Redis killed, restarted empty',
      split: true,
      inject: async (deployment, _ids, notes) => {
        await redis.kill();
        notes.push(`/readyz while down ${await readyz(deployment)}`);
        await pause(1_000);
        await redis.start();
      },
    }));

  it('Redis full with noeviction', ({ task }) =>
    runScenario(task.meta, {
      fault: 'Redis full (noeviction)',
      split: true,
      inject: async (deployment, _ids, notes) => {
        await redis.client.config('SET', 'maxmemory', '1');
        notes.push(`/readyz while full ${await readyz(deployment)}`);
        await pause(2_000);
        await redis.client.config('SET', 'maxmemory', '0');
      },
    }));

  for (const split of [true, false]) {
    it(`PostgreSQL stopped and restarted mid-burst (${split ? 'api + worker' : '--role all'})`, ({ task }) =>
      runScenario(task.meta, {
        fault: `PostgreSQL restart (${split ? 'api + worker' : '--role all'})`,
        split,
        inject: async (deployment, _ids, notes) => {
          await postgres.stop();
          notes.push(`/readyz while down ${await readyz(deployment)}`);
          await pause(1_500);
          await postgres.start();
        },
      }));
  }

  it('a worker paused while an image row lock is held', ({ task }) =>
    runScenario(task.meta, {
      fault: 'worker paused (SIGSTOP) + image row lock held',
      split: true,
      injectAfter: 2,
      inject: async (deployment, ids, notes) => {
        const holder = new pg.Client({ connectionString: deployment.env.DATABASE_URL });
        holder.on('error', () => undefined);
        await holder.connect();
        deployment.worker!.child.kill('SIGSTOP');
        try {
          await holder.query('BEGIN');
          await holder.query('SELECT id FROM images WHERE id = $1 FOR NO KEY UPDATE', [ids[0]]);
          await pause(300);
          const started = performance.now();
          const served = await fetch(`${deployment.baseUrl()}/i/${ids[1]}`);
          await served.arrayBuffer();
          const token = await signToken(JWT_SECRET, { sub: 'probe', role: 'reader' });
          const other = await fetch(`${deployment.baseUrl()}/v1/images/${ids[1]}`, { headers: { authorization: `Bearer ${token}` } });
          await other.arrayBuffer();
          notes.push(`other image ${served.status}/${other.status} in ${Math.round(performance.now() - started)} ms`);
          await pause(2_500);
        } finally {
          await holder.query('ROLLBACK').catch(() => undefined);
          await holder.end().catch(() => undefined);
          deployment.worker!.child.kill('SIGCONT');
        }
      },
    }));

  it('SIGTERM mid-burst', ({ task }) =>
    runScenario(task.meta, {
      fault: 'SIGTERM api and worker mid-burst',
      split: true,
      inject: async (deployment, _ids, notes) => {
        const [api, worker] = await Promise.all([deployment.stop('api', 'SIGTERM'), deployment.stop('worker', 'SIGTERM')]);
        notes.push(`exits ${String(api)}/${String(worker)}`);
        if (api !== 0 || worker !== 0) deployment.crashes++;
        await Promise.all([deployment.restart('api'), deployment.restart('worker')]);
      },
    }));

  it('50 identical concurrent reports', ({ task }) =>
    runScenario(task.meta, {
      fault: '50 identical concurrent reports',
      split: true,
      concurrency: 50,
      pairs: (ids) => [
        ...Array.from({ length: 50 }, () => ({ imageId: ids[0]!, reader: 'r1' })),
        ...ids.flatMap((imageId) => READERS.map((reader) => ({ imageId, reader }))),
      ],
    }));

  it('a pathological image under a tight budget', ({ task }) =>
    runScenario(task.meta, {
      fault: 'pathological image, JOB_TIMEOUT_MS=200',
      split: true,
      workerEnv: { JOB_TIMEOUT_MS: '200' },
      extra: async (deployment, notes) => {
        const token = await signToken(JWT_SECRET, { sub: 'uploader', role: 'reader' });
        const form = new FormData();
        // 600 × 600 × 100 frames: about 2 s of derivatives here, well past the second budget (3 × 200 ms) even on a
        // faster machine (the default 256 px animation takes about 0.6 s, which a quiet machine can fit in 600 ms).
        form.append('file', new Blob([await slowAnimation({ side: 600 })]), 'slow.gif');
        const response = await fetch(`${deployment.baseUrl()}/v1/images`, {
          method: 'POST',
          body: form,
          headers: { authorization: `Bearer ${token}` },
        });
        const { id } = (await response.json()) as { id: string };
        const db = new pg.Client({ connectionString: deployment.env.DATABASE_URL });
        await db.connect();
        try {
          const reason = await waitFor(async () => {
            const row = (
              await db.query<{ status: string; reason: string | null }>(
                'SELECT status, failure_reason AS reason FROM images WHERE id = $1',
                [id],
              )
            ).rows[0];
            return row?.status === 'failed' ? (row.reason ?? '') : undefined;
          }, 30_000);
          notes.push(`slow GIF failed: ${reason.split(':')[0]}`);
          expect(reason).toMatch(/^processing_timeout: /);
        } finally {
          await db.end();
        }
      },
    }));
});
