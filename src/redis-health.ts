/**
 * Redis checks that BullMQ does not make for us: whether Redis still takes writes (with `noeviction` and
 * `maxmemory` reached, it answers PING but refuses every write, so no job can be queued), and whether its
 * eviction policy could silently drop queued jobs.
 */
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import { withTimeout } from './timeout.js';

/**
 * Writes a short-lived key (`<prefix>:readyz`, 10 s) and resolves when Redis took it.
 * @throws Redis's error (e.g. "OOM command not allowed when used memory > 'maxmemory'") or TimeoutError
 */
export async function checkRedisWrites(redis: Redis, prefix: string, timeoutMs: number): Promise<void> {
  await withTimeout(redis.set(`${prefix}:readyz`, String(Date.now()), 'PX', 10_000), timeoutMs, 'Redis');
}

/**
 * Logs one JSON warning when Redis's `maxmemory-policy` is not `noeviction` (BullMQ's production guide: any
 * other policy may evict queued jobs; the outbox resends them after OUTBOX_RESEND_AFTER_MS, but late).
 * Never throws: a Redis that refuses CONFIG (some managed services) or is down is logged at info/warn.
 */
export async function warnUnlessNoEviction(redis: Redis, logger: Logger): Promise<void> {
  try {
    const answer = (await withTimeout(redis.config('GET', 'maxmemory-policy'), 5_000, 'Redis')) as string[];
    const policy = answer[1];
    if (policy === undefined) {
      logger.info('Redis does not tell its maxmemory-policy; make sure it is noeviction');
    } else if (policy !== 'noeviction') {
      logger.warn(
        { maxmemoryPolicy: policy },
        'Redis maxmemory-policy is not noeviction: queued jobs may be evicted (set maxmemory-policy noeviction)',
      );
    }
  } catch (error) {
    logger.warn({ err: error }, 'cannot read Redis maxmemory-policy');
  }
}
