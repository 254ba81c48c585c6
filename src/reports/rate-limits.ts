/**
 * Report rate limits, counted in Redis with rate-limiter-flexible so that every API process shares them:
 * per reader (RATE_LIMIT_READER) for signed and anonymous readers, and per network prefix
 * (RATE_LIMIT_NETWORK) for anonymous readers, who can clear their cookie but not easily change network.
 * First-party tokens (the operator's own tools and moderators) are not limited.
 */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Deps } from '../deps.js';
import type { RateLimit } from '../domain/durations.js';
import { AppError } from '../errors.js';
import type { Reader } from '../auth/readers.js';

type Limiters = { limit: RateLimit; limiter: RateLimiterRedis }[];

function limiters(deps: Pick<Deps, 'redis' | 'config'>, scope: 'reader' | 'network', limits: readonly RateLimit[]): Limiters {
  return limits.map((limit) => ({
    limit,
    limiter: new RateLimiterRedis({
      storeClient: deps.redis,
      keyPrefix: `${deps.config.QUEUE_PREFIX}:rate:${scope}:${limit.points}per${limit.durationSeconds}s`,
      points: limit.points,
      duration: limit.durationSeconds,
    }),
  }));
}

/**
 * Consumes one point of every limit for `key`, stopping at the first that refuses.
 * @returns the seconds until a point is free again in every exhausted limit (so a reader told to wait for the
 *   burst window is not refused again by an exhausted daily one), or 0 when none is exhausted.
 *   When Redis cannot be reached the report is let through (the outbox accepts reports without Redis too).
 */
async function consume(set: Limiters, key: string, onRedisError: (error: unknown) => void): Promise<number> {
  for (const [index, { limiter }] of set.entries()) {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        onRedisError(rejection);
        return 0;
      }
      let waitMs = rejection.msBeforeNext;
      for (const later of set.slice(index + 1)) {
        const state = await later.limiter.get(key).catch(() => null);
        if (state && state.consumedPoints >= later.limit.points) waitMs = Math.max(waitMs, state.msBeforeNext);
      }
      return Math.max(1, Math.ceil(waitMs / 1000));
    }
  }
  return 0;
}

/** Gives back the point a request consumed in every limit (best effort). */
async function refund(set: Limiters, key: string): Promise<void> {
  await Promise.all(set.map(({ limiter }) => limiter.reward(key, 1).catch(() => undefined)));
}

/** Checks a report against the reader's limits; build once per app. */
export interface ReportRateLimiter {
  /**
   * Counts one report by `reader`.
   * @throws AppError 429 `rate_limited` carrying the seconds to wait (sent as Retry-After) when a limit is exhausted
   */
  check(reader: Reader): Promise<void>;
  /** Gives back the point of a request that recorded nothing (a duplicate click, an unknown image). */
  refund(reader: Reader): Promise<void>;
}

/** Builds the report rate limiter from RATE_LIMIT_READER and RATE_LIMIT_NETWORK, counted in Redis. */
export function reportRateLimiter(deps: Pick<Deps, 'redis' | 'config' | 'logger'>): ReportRateLimiter {
  const perReader = limiters(deps, 'reader', deps.config.RATE_LIMIT_READER);
  const perNetwork = limiters(deps, 'network', deps.config.RATE_LIMIT_NETWORK);
  const onRedisError = (error: unknown) => deps.logger.warn({ err: error }, 'rate limit not checked: Redis unavailable');
  return {
    async check(reader) {
      if (reader.kind === 'user') return;
      let retryAfter = await consume(perReader, reader.id, onRedisError);
      if (retryAfter === 0 && reader.kind === 'anonymous') retryAfter = await consume(perNetwork, reader.networkHash, onRedisError);
      if (retryAfter === 0) return;
      throw new AppError({
        code: 'rate_limited',
        message: `too many reports: try again in ${retryAfter} s`,
        details: { retryAfterSeconds: retryAfter },
        retryAfterSeconds: retryAfter,
      });
    },
    async refund(reader) {
      if (reader.kind === 'user') return;
      await refund(perReader, reader.id);
      if (reader.kind === 'anonymous') await refund(perNetwork, reader.networkHash);
    },
  };
}
