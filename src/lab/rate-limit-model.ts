/**
 * The report rate limits (RATE_LIMIT_READER, RATE_LIMIT_NETWORK) over simulated time, for the policy lab. The
 * service counts them with rate-limiter-flexible in Redis; this models the same fixed windows (a window opens at
 * the first point consumed and lasts its duration) without Redis or a clock.
 */
import type { RateLimit } from '../domain/durations.js';

interface Window {
  openedAtMs: number;
  used: number;
}

/** Fixed-window counters per key and limit. */
export class RateLimitModel {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly limits: readonly RateLimit[]) {}

  /**
   * Consumes one point of every limit for `key` at `nowMs`, or none when one is exhausted.
   * @returns 0 when allowed, else the ms until every exhausted window has reopened
   */
  consume(key: string, nowMs: number): number {
    let waitMs = 0;
    const current = this.limits.map((limit, index) => {
      const id = `${index}:${key}`;
      const durationMs = limit.durationSeconds * 1_000;
      let window = this.windows.get(id);
      if (!window || nowMs >= window.openedAtMs + durationMs) window = { openedAtMs: nowMs, used: 0 };
      if (window.used >= limit.points) waitMs = Math.max(waitMs, window.openedAtMs + durationMs - nowMs);
      return { id, window };
    });
    if (waitMs > 0) return waitMs;
    for (const { id, window } of current) this.windows.set(id, { ...window, used: window.used + 1 });
    return 0;
  }
}
