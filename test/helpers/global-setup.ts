/**
 * Once per test run: checks PostgreSQL and Redis answer, and afterwards drops any database and Redis keys this
 * run left behind (each test file normally cleans up its own).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { TEST_DATABASE_SERVER, TEST_REDIS_URL } from './test-env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
  }
}

const root = new URL('../../', import.meta.url).pathname;

/** Newest modification time of any file under `dir`, in ms (0 when it does not exist). */
function newestMtime(dir: string): number {
  let newest = 0;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  } catch {
    return 0;
  }
  return newest;
}

/**
 * Tests that signal imgmod run its compiled entry (dist/src/main.js): compile it once here when src/ or
 * workers/ changed since (CI builds before testing, so this is a no-op there).
 */
function ensureCompiled(): void {
  const built = newestMtime(join(root, 'dist/src')) && statSync(join(root, 'dist/src/main.js'), { throwIfNoEntry: false })?.mtimeMs;
  const sources = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'workers')));
  if (built && built >= sources) return;
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}

export default async function setup(project: TestProject) {
  ensureCompiled();
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  project.provide('runId', runId);
  const admin = new pg.Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
  await admin.connect();
  const redis = new Redis(TEST_REDIS_URL);
  await redis.ping();
  return async () => {
    const left = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`imgmod_test_${runId}_%`]);
    for (const { datname } of left.rows) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
    await admin.end();
    const keys = await redis.keys(`imgmod-test-${runId}-*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  };
}
