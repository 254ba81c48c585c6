import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { spawnImgmod } from '../helpers/imgmod-process.js';
import { startOwnPostgres, startOwnRedis, type OwnPostgres, type OwnRedis } from '../helpers/own-servers.js';
import { anonymousReader, reportAs } from '../helpers/readers.js';
import { TEST_DATABASE_SERVER } from '../helpers/test-env.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let postgres: OwnPostgres;
let redis: OwnRedis;
let service: TestService;
beforeAll(async () => {
  [postgres, redis] = await Promise.all([startOwnPostgres(), startOwnRedis()]);
  service = await startTestService({ env: { DATABASE_URL: postgres.url('imgmod'), REDIS_URL: redis.url, TRUST_PROXY: 'loopback' } });
}, 60_000);
afterAll(async () => {
  await service?.close();
  await Promise.all([postgres?.close(), redis?.close()]);
});

async function answer(response: Response) {
  const body = (await response.json().catch(() => ({}))) as { error?: { code: string } };
  return { status: response.status, code: body.error?.code, retryAfter: response.headers.get('retry-after') };
}

describe('outages', () => {
  it('when PostgreSQL is down, then reports, uploads, image records and /i/:id answer 503 database_unavailable with Retry-After, and work again once it is back', async () => {
    const imageId = await service.uploadDistinct();
    const anonymous = await anonymousReader(service, '198.51.100.7');
    await postgres.stop();
    try {
      const unavailable = { status: 503, code: 'database_unavailable', retryAfter: '5' };
      // A reader retrying after Retry-After is not charged for reports that were not recorded (2 per 3 s).
      for (let i = 0; i < 3; i++) expect(await answer(await reportAs(service, imageId, anonymous))).toEqual(unavailable);
      expect(await answer(await service.report(imageId, 'reader-a'))).toEqual(unavailable);
      expect(await answer(await service.upload('real/concert.jpg'))).toEqual(unavailable);
      expect(await answer(await service.request(`/i/${imageId}`))).toEqual(unavailable);
      expect(await answer(await service.request(`/v1/images/${imageId}`, { as: 'uploader' }))).toEqual(unavailable);
      const ready = await service.request('/readyz');
      expect(ready.status).toBe(503);
      // Metrics still answer, without the gauges read from PostgreSQL, so the outage can be watched.
      const metrics = await service.request('/metrics');
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(text).toMatch(/^imgmod_db_pool_clients\{state="total"\} \d+$/m);
      expect(text).toMatch(/^# TYPE imgmod_images gauge$/m);
      expect(text).not.toMatch(/^imgmod_images\{/m);
    } finally {
      await postgres.start();
    }
    await waitFor(async () => (await service.report(imageId, 'reader-a')).status === 202, 20_000);
    expect((await reportAs(service, imageId, anonymous)).status).toBe(202);
    expect((await service.request('/readyz')).status).toBe(200);
  });

  it('when Redis is full with noeviction (it answers PING but refuses writes), then /readyz answers 503 naming Redis; ready again once it has room', async () => {
    expect((await service.request('/readyz')).status).toBe(200);
    await redis.client.config('SET', 'maxmemory', '1');
    try {
      const ready = await service.request('/readyz');
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { checks: { postgres: string; redis: string } };
      expect(body.checks.postgres).toBe('ok');
      expect(body.checks.redis).toMatch(/OOM/);
    } finally {
      await redis.client.config('SET', 'maxmemory', '0');
    }
    expect((await service.request('/readyz')).status).toBe(200);
  });

  it('when Redis evicts keys (maxmemory-policy allkeys-lru), then the process warns about it in a JSON log line at start-up', async () => {
    await redis.client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const database = `imgmod_test_${inject('runId')}_policy_${process.pid}`;
    const api = await spawnImgmod('api', {
      DATABASE_URL: `${TEST_DATABASE_SERVER}/${database}`,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: 'imgmod-policy',
      DEMO_MODE: 'false',
    });
    try {
      await waitFor(() => Promise.resolve(api.logs().find((line) => line.maxmemoryPolicy === 'allkeys-lru')), 10_000);
      expect(api.logs().find((line) => line.maxmemoryPolicy)).toMatchObject({
        level: 40,
        msg: expect.stringMatching(/noeviction/) as unknown,
      });
    } finally {
      api.child.kill('SIGKILL');
      await redis.client.config('SET', 'maxmemory-policy', 'noeviction');
      const admin = new pg.Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      await admin.end();
    }
  });
});
