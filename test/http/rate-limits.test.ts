import { Redis } from 'ioredis';
import type { Response } from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { reportRateLimiter } from '../../src/http/rate-limits.js';

// Nothing listens on port 1: the limiter meets a Redis that cannot be reached, as during an outage.
const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
afterAll(() => unreachable.disconnect());

describe('report rate limits', () => {
  it('when Redis cannot be reached, then the report is let through and a warning is logged', async () => {
    const warnings: string[] = [];
    const logger = createLogger('silent');
    logger.warn = ((_details: unknown, message: string) => void warnings.push(message)) as typeof logger.warn;
    const limiter = reportRateLimiter({ redis: unreachable, config: loadConfig({}), logger });
    const headers = new Map<string, string>();
    const res = { set: (name: string, value: string) => headers.set(name, value) } as unknown as Response;
    await expect(limiter.check({ kind: 'anonymous', id: 'anon:x', networkHash: 'h' }, res)).resolves.toBeUndefined();
    // One warning per scope checked: the reader's limits, then the network's.
    expect(warnings).toEqual(['rate limit not checked: Redis unavailable', 'rate limit not checked: Redis unavailable']);
    expect(headers.size).toBe(0);
  });
});
