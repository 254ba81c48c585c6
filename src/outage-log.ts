/**
 * Logging a dependency outage (Redis, PostgreSQL) without flooding: one line when it goes down, then at most
 * one a minute with how many failures were seen since, and one line when it is back. Clients retry several
 * times a second while a dependency is away; a stack trace per attempt buries everything else in the log.
 */
import type { Logger } from './logger.js';

/** Least time between two "still unavailable" lines, in ms. */
export const OUTAGE_LOG_INTERVAL_MS = 60_000;
/**
 * A recovery counts once no failure followed it for this long, in ms: a client reconnecting while the server
 * is going away (a killed Redis) reports "ready" then fails again at once, which is not a recovery.
 */
const RECOVERY_CONFIRM_MS = 1_000;

export interface OutageLog {
  /** Records a failure; logs only at the first one of an outage and then at most once per interval. */
  failed(error: unknown, context?: string): void;
  /** Records that the dependency answered; logs once when it had been down. */
  recovered(): void;
}

/** "ECONNREFUSED connect ECONNREFUSED 127.0.0.1:6379": the code and the first line of the message, no stack. */
export function shortReason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return shortReason(error.errors[0]);
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error.message.split('\n')[0]!;
  return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
}

const shared = new WeakMap<Logger, Map<string, OutageLog>>();

/**
 * The outage log of `dependency` for `logger`: one per pair, shared by every component of the process that
 * uses the dependency, so an outage is one line however many clients notice it.
 * @param options.now clock in ms (tests)
 */
export function outageLog(
  logger: Logger,
  dependency: string,
  options: { now?: () => number; intervalMs?: number; confirmMs?: number } = {},
): OutageLog {
  const byDependency = shared.get(logger) ?? new Map<string, OutageLog>();
  shared.set(logger, byDependency);
  const existing = byDependency.get(dependency);
  if (existing && !options.now) return existing;
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? OUTAGE_LOG_INTERVAL_MS;
  let downSince: number | null = null;
  let lastLoggedAt = 0;
  let failures = 0;
  let confirming: NodeJS.Timeout | undefined;
  const confirmMs = options.confirmMs ?? RECOVERY_CONFIRM_MS;
  const back = () => {
    confirming = undefined;
    if (downSince === null) return;
    logger.info({ dependency, downForMs: now() - downSince }, `${dependency} is back`);
    downSince = null;
    failures = 0;
  };
  const log: OutageLog = {
    failed(error, context) {
      clearTimeout(confirming);
      confirming = undefined;
      failures++;
      const at = now();
      if (downSince === null) {
        downSince = at;
        lastLoggedAt = at;
        failures = 0;
        logger.warn(
          { dependency, reason: shortReason(error), context },
          `${dependency} unavailable; retrying (logged again at most once a minute)`,
        );
      } else if (at - lastLoggedAt >= intervalMs) {
        logger.warn({ dependency, reason: shortReason(error), failures, downForMs: at - downSince }, `${dependency} still unavailable`);
        lastLoggedAt = at;
        failures = 0;
      }
    },
    recovered() {
      if (downSince === null || confirming) return;
      if (confirmMs === 0) return back();
      confirming = setTimeout(back, confirmMs);
      confirming.unref();
    },
  };
  if (!options.now) byDependency.set(dependency, log);
  return log;
}

/** Socket-level codes and ioredis messages of a Redis that is down, unreachable or went away. */
const REDIS_DOWN =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|Stream isn't writeable|max retries per request|Redis did not answer/;

/** True when `error` means Redis is unreachable (rather than a command being wrong). */
export function isRedisConnectionError(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isRedisConnectionError);
  if (!(error instanceof Error)) return false;
  return REDIS_DOWN.test(`${String((error as { code?: unknown }).code)} ${error.message}`);
}
