/**
 * Once per test run: checks PostgreSQL and Redis answer, and afterwards drops any database and Redis keys this
 * run left behind (each test file normally cleans up its own).
 */
import pg from 'pg';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { ensureCompiled } from './compile.js';
import { TEST_DATABASE_SERVER, TEST_REDIS_URL } from './test-env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
  }
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
    const left = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `imgmod_test_${runId}_%`,
    ]);
    for (const { datname } of left.rows) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
    await admin.end();
    const keys = await redis.keys(`imgmod-test-${runId}-*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  };
}
