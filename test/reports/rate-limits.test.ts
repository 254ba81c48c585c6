import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { AppError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { reportRateLimiter } from '../../src/reports/rate-limits.js';
import { TEST_REDIS_URL } from '../helpers/test-env.js';

// Nothing listens on port 1: the limiter meets a Redis that cannot be reached, as during an outage.
const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
unreachable.on('error', () => undefined);
afterAll(() => unreachable.disconnect());

describe('report rate limits', () => {
  it('when Redis cannot be reached, then the report is let through and a warning is logged', async () => {
    const warnings: string[] = [];
    const logger = createLogger('silent');
    logger.warn = ((_details: unknown, message: string) => void warnings.push(message)) as typeof logger.warn;
    const limiter = reportRateLimiter({ redis: unreachable, config: loadConfig({}), logger });
    await expect(limiter.check({ kind: 'anonymous', id: 'anon:x', networkHash: 'h', siteId: 'default' })).resolves.toBeUndefined();
    // One warning per scope checked: the reader's limits, then the network's.
    expect(warnings).toEqual(['rate limit not checked: Redis unavailable', 'rate limit not checked: Redis unavailable']);
  });
});

describe('report rate limits on Redis', () => {
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = `imgmod-test-${inject('runId')}-rate-${process.pid}`;
  afterAll(() => redis.quit());

  function limiterWith(limits: string) {
    return reportRateLimiter({
      redis,
      config: loadConfig({ RATE_LIMIT_READER: limits, QUEUE_PREFIX: prefix }),
      logger: createLogger('silent'),
    });
  }

  /** The seconds a refused check asks the reader to wait (sent as Retry-After). */
  async function retryAfter(check: Promise<void>): Promise<number> {
    const error: unknown = await check.then(
      () => null,
      (refused: unknown) => refused,
    );
    expect(error).toMatchObject({ code: 'rate_limited', httpStatus: 429 });
    return (error as AppError).retryAfterSeconds ?? 0;
  }

  it('when both the burst and the daily limit are used up, then Retry-After names the daily wait, not the burst', async () => {
    const limiter = limiterWith('1/3s,1/1d');
    const reader = { kind: 'anonymous' as const, id: `anon:day-${Date.now()}`, networkHash: `net-${Date.now()}`, siteId: 'default' };
    await limiter.check(reader);
    expect(await retryAfter(limiter.check(reader))).toBeGreaterThan(86_000);
  });

  it('when a request is refunded, then its point is free again', async () => {
    const limiter = limiterWith('1/60s,20/1d');
    const reader = { kind: 'anonymous' as const, id: `anon:refund-${Date.now()}`, networkHash: `net-r-${Date.now()}`, siteId: 'default' };
    await limiter.check(reader);
    await limiter.refund(reader);
    await expect(limiter.check(reader)).resolves.toBeUndefined();
    expect(await retryAfter(limiter.check(reader))).toBeGreaterThan(50);
  });
});
