import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it, inject } from 'vitest';
import { TEST_DATABASE_SERVER, TEST_REDIS_URL } from './helpers/test-env.js';
import { waitFor } from './helpers/test-service.js';

const tsx = new URL('../node_modules/.bin/tsx', import.meta.url).pathname;
const main = new URL('../src/main.ts', import.meta.url).pathname;

function start(env: Record<string, string>) {
  const child = spawn(tsx, [main, '--role', 'all'], { env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

describe('the imgmod process', () => {
  it('when a variable is invalid, then it exits 1 naming the variable', async () => {
    const run = start({ PORT: 'eighty' });
    const [code] = (await once(run.child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(run.output()).toMatch(/PORT: /);
  });

  it('when its database does not exist, then it creates it; on SIGTERM it stops gracefully with exit 0', async () => {
    const database = `imgmod_test_${inject('runId')}_process_${process.pid}`;
    const dataDir = await mkdtemp(join(tmpdir(), 'imgmod-process-'));
    const run = start({
      DATABASE_URL: `${TEST_DATABASE_SERVER}/${database}`,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: `imgmod-test-${inject('runId')}-process`,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
    });
    try {
      await waitFor(() => Promise.resolve(/"msg":"workers started"/.test(run.output())), 20_000);
      const admin = new pg.Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
      await admin.connect();
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      expect(found.rowCount).toBe(1);
      run.child.kill('SIGTERM');
      const [code] = (await once(run.child, 'exit')) as [number];
      expect(code).toBe(0);
      expect(run.output()).toMatch(/"msg":"stopped"/);
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      await admin.end();
    } finally {
      run.child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
