import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { runUntilDone, spawnImgmod } from './helpers/imgmod-process.js';
import { sparePort, startOwnRedis } from './helpers/own-servers.js';
import { TEST_DATABASE_SERVER, TEST_REDIS_URL } from './helpers/test-env.js';
import { waitFor } from './helpers/test-service.js';

const database = `imgmod_test_${inject('runId')}_startup_${process.pid}`;
const databaseUrl = `${TEST_DATABASE_SERVER}/${database}`;

afterAll(async () => {
  const admin = new pg.Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  await admin.end();
});

/** Runs the compiled entry (`--role all`) until it exits, with the test's queue prefix and no demo. */
function startUntilDone(env: Record<string, string>): ReturnType<typeof runUntilDone> {
  return runUntilDone(['--role', 'all'], {
    HOST: '127.0.0.1',
    DEMO_MODE: 'false',
    QUEUE_PREFIX: `imgmod-test-${inject('runId')}-startup`,
    ...env,
  });
}

describe('start-up failures', () => {
  it('when PostgreSQL does not answer, then it retries for STARTUP_TIMEOUT_MS and exits 1 with one line naming PostgreSQL, the address without password and DATABASE_URL', async () => {
    const port = await sparePort();
    const run = await startUntilDone({
      DATABASE_URL: `postgres://imgmod:s3cret@127.0.0.1:${port}/imgmod`,
      REDIS_URL: TEST_REDIS_URL,
      STARTUP_TIMEOUT_MS: '1500',
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^imgmod: cannot start: PostgreSQL at postgres://imgmod:\\*\\*\\*@127\\.0\\.0\\.1:${port}/imgmod did not answer within 1\\.5 s \\(.*ECONNREFUSED.*\\); check DATABASE_URL`,
        ),
      ),
    ]);
    expect(run.stderr + run.stdout).not.toContain('s3cret');
    expect(run.stdout).toMatch(/"msg":"waiting for PostgreSQL"/);
    expect(run.ms).toBeGreaterThanOrEqual(1_000);
  });

  it('when the role does not exist, then it exits 1 at once with one line naming the role problem and DATABASE_URL', async () => {
    const url = new URL(databaseUrl);
    url.username = 'no_such_role';
    const run = await startUntilDone({ DATABASE_URL: url.toString(), REDIS_URL: TEST_REDIS_URL, STARTUP_TIMEOUT_MS: '20000' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^imgmod: cannot start: PostgreSQL at .* refused the connection: .*no_such_role.*; check the role, password and database in DATABASE_URL$/,
      ),
    ]);
    expect(run.ms).toBeLessThan(10_000);
  });

  it('when Redis does not answer, then it exits 1 with one line naming Redis, its address and REDIS_URL', async () => {
    const port = await sparePort();
    const run = await startUntilDone({
      DATABASE_URL: databaseUrl,
      REDIS_URL: `redis://:pw@127.0.0.1:${port}/2`,
      STARTUP_TIMEOUT_MS: '1000',
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^imgmod: cannot start: Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/2 did not answer within 1 s .*; check REDIS_URL`,
        ),
      ),
    ]);
  });

  it('when the port is in use, then it exits 1 with one line naming the port and PORT', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    const dataDir = await mkdtemp(join(tmpdir(), 'imgmod-startup-'));
    try {
      const run = await startUntilDone({ DATABASE_URL: databaseUrl, REDIS_URL: TEST_REDIS_URL, PORT: String(port), DATA_DIR: dataDir });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([
        `imgmod: cannot start: cannot listen on 127.0.0.1:${port} is already in use by another process; choose another with PORT and HOST`,
      ]);
    } finally {
      taken.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('when TRUST_PROXY is yes, then it exits 1 naming the variable, with no TypeError', async () => {
    const run = await startUntilDone({ DATABASE_URL: databaseUrl, REDIS_URL: TEST_REDIS_URL, TRUST_PROXY: 'yes' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/TRUST_PROXY: "yes" is not false, a hop count/);
    expect(run.stderr).not.toMatch(/TypeError|at .*\.js:\d+/);
  });
});

describe('running', () => {
  it('when it starts, then it logs one line with the URL to open; with Redis down, SIGTERM exits 0 within a few seconds and the outage is logged once, not per attempt', async () => {
    const redis = await startOwnRedis();
    const dataDir = await mkdtemp(join(tmpdir(), 'imgmod-startup-'));
    const imgmod = await spawnImgmod('all', {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      DATA_DIR: dataDir,
      DEMO_MODE: 'false',
      QUEUE_PREFIX: 'imgmod-startup',
    });
    try {
      await waitFor(() => Promise.resolve(imgmod.logs().some((line) => line.msg === 'workers started')));
      await waitFor(() => Promise.resolve(imgmod.logs().some((line) => String(line.msg).startsWith('imgmod is ready'))));
      expect(imgmod.logs().filter((line) => typeof line.msg === 'string' && line.msg.startsWith('imgmod is ready: open '))).toEqual([
        expect.objectContaining({ msg: `imgmod is ready: open http://127.0.0.1:${imgmod.port}/` }),
      ]);
      await redis.kill();
      await waitFor(() =>
        Promise.resolve(imgmod.logs().some((line) => line.msg === 'Redis unavailable; retrying (logged again at most once a minute)')),
      );
      // A measurement window, not a wait for a condition: the clients retry several times a second, so a
      // line per attempt would show up here.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const sigterm = Date.now();
      imgmod.child.kill('SIGTERM');
      expect(await imgmod.exited).toBe(0);
      const shutdownMs = Date.now() - sigterm;
      expect(shutdownMs).toBeLessThan(5_000);
      const redisLines = imgmod.logs().filter((line) => line.dependency === 'Redis' || /redis/i.test(String(line.msg)));
      expect(redisLines.length).toBeLessThanOrEqual(3);
      expect(imgmod.output()).not.toMatch(/\n\s+at /);
      console.info(
        `SIGTERM with Redis down: exit 0 after ${shutdownMs} ms; Redis log lines: ${redisLines.map((line) => String(line.msg)).join(' | ')}`,
      );
    } finally {
      imgmod.child.kill('SIGKILL');
      // redis.close() would wait for the exit of a server already killed above (its helper's kill awaits 'exit').
      redis.client.disconnect();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('npm start', () => {
  it('when nothing changed since the last build, then prestart compiles nothing (dist/ is left as it is)', async () => {
    const root = new URL('../', import.meta.url).pathname;
    const prestart = () =>
      new Promise<void>((resolve, reject) =>
        execFile('npm', ['run', '--silent', 'prestart'], { cwd: root }, (error) => (error ? reject(new Error(error.message)) : resolve())),
      );
    await prestart(); // brings dist/ up to date, whatever the tests' own compile left
    const before = (await stat(join(root, 'dist/src/main.js'))).mtimeMs;
    const started = Date.now();
    await prestart();
    console.info(`npm run prestart with nothing changed: ${Date.now() - started} ms`);
    expect((await stat(join(root, 'dist/src/main.js'))).mtimeMs).toBe(before);
  });
});
