/**
 * A real imgmod for one test file: its own PostgreSQL database, BullMQ prefix and data directory, the app
 * on port 0 and (unless asked not to) the workers and outbox relay in-process.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pg from 'pg';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createHttpServer } from '../../src/http/server.js';
import { loadConfig, type Config } from '../../src/config.js';
import { closeDeps, createDeps, type Deps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { findImage } from '../../src/db/images.repository.js';
import { signToken, type Role } from '../../src/auth/tokens.js';
import { startWorkers, type RunningWorkers } from '../../workers/start-workers.js';
import { distinctPicture } from './images.js';
import { TEST_DATABASE_SERVER, TEST_REDIS_URL } from './test-env.js';

export interface TestService {
  baseUrl: string;
  deps: Deps;
  workers: RunningWorkers | null;
  /** A bearer token for `sub`, signed with this service's secret. */
  token(sub: string, role?: Role): Promise<string>;
  /** fetch against the service, with `Authorization: Bearer` when `as` names a user. */
  request(path: string, init?: RequestInit & { as?: string; role?: Role }): Promise<Response>;
  /** Uploads a fixture file (path under test/fixtures) or bytes as `uploader`; returns the response. */
  upload(file: string | Buffer, uploader?: string): Promise<Response>;
  /** Uploads a fixture or bytes and waits until the worker has processed it; returns the image id. */
  uploadProcessed(file: string | Buffer, uploader?: string): Promise<string>;
  /** Uploads a freshly generated picture, distinct from every other one (no near-duplicates), and waits for it. */
  uploadDistinct(uploader?: string): Promise<string>;
  /** Reports the image as `reader` (POST /v1/images/:id/reports); returns the response. */
  report(imageId: string, reader: string, body?: { reason: string; note?: string }): Promise<Response>;
  /** Reads the image's status straight from PostgreSQL. */
  status(imageId: string): Promise<string>;
  close(): Promise<void>;
}

let counter = 0;
let pictureSeed = process.pid * 1000;

/** Reads a file from test/fixtures/. */
export function fixture(name: string): Promise<Buffer> {
  return readFile(new URL(`../fixtures/${name}`, import.meta.url));
}

/**
 * Polls `check` every 25 ms until it returns a value other than undefined/false, or fails after `timeoutMs`
 * (60 s by default: generous, since a 2-core machine running several suites at once can take tens of seconds
 * to run one job; a condition that is met returns at once).
 * @returns the first truthy value
 */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Waits until every outbox row of the service is done and no evaluate-image job is waiting or running: a barrier
 * over the whole service (tests in a file run one at a time, so what it waits for beyond a test's own images is
 * work an earlier test left running).
 */
export async function evaluationsSettled(service: Pick<TestService, 'deps'>): Promise<void> {
  await waitFor(async () => {
    const pending = await service.deps.pool.query('SELECT 1 FROM outbox WHERE done_at IS NULL LIMIT 1');
    const counts = await service.deps.queues['evaluate-image'].getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return pending.rowCount === 0 && Object.values(counts).every((n) => n === 0);
  });
}

export async function startTestService(
  options: { workers?: boolean; env?: Partial<Record<keyof Config, string>> } = {},
): Promise<TestService> {
  const name = `imgmod_test_${inject('runId')}_${process.pid}_${++counter}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'imgmod-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: `${TEST_DATABASE_SERVER}/${name}`,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `imgmod-test-${inject('runId')}-${name}`,
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-0123456789abcdef',
    OUTBOX_POLL_MS: '200',
    // Off unless a test asks for it (test/http/serving-status-cache.test.ts): a test that changes an image and
    // reads /i/:id at once would otherwise race the change's notification.
    SERVING_CACHE_MS: '0',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const deps = await createDeps(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
  const server: Server = createHttpServer(buildApp(deps), config).server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const workers = options.workers === false ? null : startWorkers(deps);

  const token = (sub: string, role: Role = 'reader') => signToken(config.JWT_SECRET, { sub, role });
  const request: TestService['request'] = async (path, init = {}) => {
    const { as, role, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (as) headers.set('authorization', `Bearer ${await token(as, role)}`);
    return fetch(`${baseUrl}${path}`, { ...rest, headers });
  };
  const upload: TestService['upload'] = async (file, uploader = 'uploader') => {
    const form = new FormData();
    const bytes = typeof file === 'string' ? await fixture(file) : file;
    form.append('file', new Blob([bytes]), typeof file === 'string' ? file.split('/').pop() : 'picture.jpg');
    return request('/v1/images', { method: 'POST', body: form, as: uploader });
  };
  const report: TestService['report'] = (imageId, reader, body = { reason: 'spam' }) =>
    request(`/v1/images/${imageId}/reports`, {
      method: 'POST',
      as: reader,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const status = async (imageId: string) => {
    const image = await findImage(deps.pool, imageId);
    if (!image) throw new Error(`no image ${imageId}`);
    return image.status;
  };
  const uploadProcessed: TestService['uploadProcessed'] = async (file, uploader) => {
    const response = await upload(file, uploader);
    if (response.status !== 201) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
    const { id } = (await response.json()) as { id: string };
    await waitFor(async () => (await status(id)) !== 'processing');
    return id;
  };

  return {
    baseUrl,
    deps,
    workers,
    token,
    request,
    upload,
    report,
    status,
    uploadProcessed,
    async uploadDistinct(uploader) {
      return uploadProcessed(await distinctPicture(++pictureSeed), uploader);
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await workers?.close();
      await Promise.all(Object.values(deps.queues).map((queue) => queue.obliterate({ force: true })));
      await closeDeps(deps);
      const admin = new pg.Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A moderator's decision on one image through the API (`as` defaults to `mod`). */
export function decideAs(service: Pick<TestService, 'request'>, imageId: string, action: string, as = 'mod'): Promise<Response> {
  return service.request(`/v1/moderation/images/${imageId}/decision`, {
    method: 'POST',
    as,
    role: 'moderator',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action }),
  });
}

/** Sends reports one at a time, each answered 202 and evaluated before the next. */
export async function reportInTurn(service: Pick<TestService, 'deps'>, reports: (() => Promise<Response>)[]): Promise<void> {
  for (const send of reports) {
    const response = await send();
    if (response.status !== 202) throw new Error(`report answered ${response.status}: ${await response.text()}`);
    await evaluationsSettled(service);
  }
}
