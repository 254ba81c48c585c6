/**
 * The process entry as an operator runs it: the compiled `node dist/src/main.js` (never through tsx, whose
 * signal relay can kill the child before it answers SIGTERM), its flags, and a graceful stop.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { runUntilDone, spawnImgmod } from './helpers/imgmod-process.js';
import { TEST_DATABASE_SERVER, TEST_REDIS_URL } from './helpers/test-env.js';

const database = `imgmod_test_${inject('runId')}_process_${process.pid}`;
let dataDir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'imgmod-process-'));
  env = {
    DATABASE_URL: `${TEST_DATABASE_SERVER}/${database}`,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `imgmod-test-${inject('runId')}-process-${process.pid}`,
    DATA_DIR: dataDir,
  };
});
afterAll(async () => {
  const admin = new pg.Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  await admin.end();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the imgmod process', () => {
  it('when a variable is invalid, then it exits 1 naming the variable', async () => {
    const run = await runUntilDone(['--role', 'all'], { PORT: 'eighty' });
    expect(run.code).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toMatch(/PORT: /);
  });

  it('when --role names no role, then it exits 1 listing the roles', async () => {
    const run = await runUntilDone(['--role', 'everything'], env);
    expect(run.code).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toContain('--role must be one of api, worker, all');
  });

  it('when --jobs names an unknown job kind, then it exits 1 listing the known ones', async () => {
    const run = await runUntilDone(['--role', 'worker', '--jobs', 'process-image,resize'], env);
    expect(run.code).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toContain(
      '--jobs: unknown job kind resize; known: process-image, evaluate-image, purge-image, deliver-webhook',
    );
  });

  it('when its database does not exist, then it creates it; on SIGTERM it stops gracefully with exit 0', async () => {
    const imgmod = await spawnImgmod('all', env);
    const admin = new pg.Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
    await admin.connect();
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      expect(found.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    imgmod.child.kill('SIGTERM');
    expect(await imgmod.exited).toBe(0);
    expect(imgmod.logs().some((line) => line.msg === 'stopped')).toBe(true);
  });

  it('when started with --role worker --jobs, then it runs only those job kinds (former names accepted) and serves no HTTP', async () => {
    const imgmod = await spawnImgmod('worker', env, ['--jobs', 'thumbnail,purge-image']);
    try {
      const started = imgmod.logs().find((line) => line.msg === 'workers started');
      expect(started?.topics).toEqual(['process-image', 'purge-image']);
      // Webhook deliveries run only where named (or where --jobs is not given).
      expect(started?.webhooks).toBe(false);
      expect(imgmod.logs().some((line) => line.msg === 'API listening')).toBe(false);
    } finally {
      imgmod.child.kill('SIGTERM');
      expect(await imgmod.exited).toBe(0);
    }
  });

  it('when started with --role api, then it serves HTTP and starts no workers', async () => {
    const imgmod = await spawnImgmod('api', env);
    try {
      expect((await fetch(`http://127.0.0.1:${imgmod.port}/healthz`)).status).toBe(200);
      expect(imgmod.logs().some((line) => line.msg === 'workers started')).toBe(false);
    } finally {
      imgmod.child.kill('SIGTERM');
      expect(await imgmod.exited).toBe(0);
    }
  });
});
