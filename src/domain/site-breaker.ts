/**
 * The per-site circuit breaker: a site whose readers suddenly auto-block far more images than usual is
 * presumed compromised (a leaked signing key minting readers), and its further auto-blocks are held for a
 * moderator instead. Pure, no I/O.
 *
 * Rules, in order:
 * 1. A breaker that tripped stays open for `coolDownMs` (SITE_BREAKER_COOLDOWN) unless an admin resets it.
 * 2. The site's usual rate is the hourly average of its auto-blocks over the trailing 7 days (168 hours)
 *    before the current hour's window, leaving out those a moderator overturned (restored), so that a drip of
 *    wrongful blocks does not raise the limit; its limit for one hour is max(`floor`, `factor` × that average).
 * 3. An auto-block that would bring the last hour's count (since the last reset, if later) above the limit
 *    trips the breaker: it and the following ones are held.
 *
 * Where the numbers come from (config.ts, README "Sites"): the attack blocked 10 images in 3.5 s, while
 * an honest site of a few thousand images sees a handful of auto-blocks a day. SITE_BREAKER_FLOOR (5 an hour)
 * lets a busy news hour through; SITE_BREAKER_FACTOR (10) is an order of magnitude over the usual rate, the
 * usual margin of rate-based anomaly alerts, so a large site's normal peaks do not trip it; SITE_BREAKER_COOLDOWN
 * (1 h) is the window the rate is measured over, so a breaker that closes again sees a fresh hour.
 */

/** Hours in the trailing window of the usual rate (rule 2). */
export const TRAILING_HOURS = 7 * 24;

export interface BreakerSettings {
  /** SITE_BREAKER_FLOOR: auto-blocks per hour always allowed. */
  floor: number;
  /** SITE_BREAKER_FACTOR: multiple of the usual hourly rate allowed. */
  factor: number;
  /** SITE_BREAKER_COOLDOWN, in ms. */
  coolDownMs: number;
}

export interface BreakerInput {
  /** Auto-blocks of the site in the last hour (since the last reset when that is later), not counting this one. */
  autoBlocksLastHour: number;
  /** Auto-blocks of the site in the 7 days before the last hour, but for those a moderator restored since. */
  autoBlocksTrailing: number;
  /** When the breaker last tripped, or null. */
  trippedAt: Date | null;
  /** When an admin last reset it, or null. */
  resetAt: Date | null;
  now: Date;
}

export type BreakerDecision =
  | { allow: true; limit: number }
  | { allow: false; rule: 'open'; trippedAt: Date; until: Date }
  | { allow: false; rule: 'trips'; limit: number; autoBlocksLastHour: number; usualPerHour: number; until: Date };

/** The hourly limit of rule 2 for a trailing count. */
export function breakerLimit(settings: Pick<BreakerSettings, 'floor' | 'factor'>, autoBlocksTrailing: number): number {
  return Math.max(settings.floor, Math.floor(settings.factor * (autoBlocksTrailing / TRAILING_HOURS)));
}

/** True while a breaker that tripped at `trippedAt` is open at `now` (rule 1). */
export function breakerOpen(
  settings: Pick<BreakerSettings, 'coolDownMs'>,
  state: { trippedAt: Date | null; resetAt: Date | null; now: Date },
): boolean {
  const { trippedAt, resetAt, now } = state;
  if (!trippedAt || (resetAt && resetAt >= trippedAt)) return false;
  return now.getTime() < trippedAt.getTime() + settings.coolDownMs;
}

/**
 * May one more auto-block of this site go ahead?
 * @returns allow, or why not: the breaker is open (rule 1) or this block trips it (rule 3)
 */
export function decideBreaker(settings: BreakerSettings, input: BreakerInput): BreakerDecision {
  if (breakerOpen(settings, input)) {
    return { allow: false, rule: 'open', trippedAt: input.trippedAt!, until: new Date(input.trippedAt!.getTime() + settings.coolDownMs) };
  }
  const limit = breakerLimit(settings, input.autoBlocksTrailing);
  if (input.autoBlocksLastHour + 1 <= limit) return { allow: true, limit };
  return {
    allow: false,
    rule: 'trips',
    limit,
    autoBlocksLastHour: input.autoBlocksLastHour,
    usualPerHour: input.autoBlocksTrailing / TRAILING_HOURS,
    until: new Date(input.now.getTime() + settings.coolDownMs),
  };
}
