/**
 * Start-up checks that turn an unreachable or misconfigured dependency into one readable line: PostgreSQL
 * and Redis are waited for with backoff for STARTUP_TIMEOUT_MS (a compose stack starts them together, and a
 * database takes seconds to accept connections), then a StartupError names the dependency, its address (no
 * password) and the variable to check. Errors no wait can fix (a wrong password or role, a missing TLS
 * setting) end the wait at once.
 */
import { Redis } from 'ioredis';
import { redactUrl } from './config.js';
import { ensureDatabase, isConnectionError } from './db/pool.js';
import type { Logger } from './logger.js';

/** A start-up failure whose message is the whole story: printed as is, one line, then exit 1. */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** First pause between attempts, doubled each time up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 4_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A short reason for an error: its code and first line. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error instanceof AggregateError && error.errors.length > 0 ? reasonOf(error.errors[0]) : error.message.split('\n')[0]!;
  return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
}

/**
 * Calls `attempt` until it resolves, retrying while `transient(error)` holds, with exponential backoff, for at
 * most `timeoutMs`. Logs one warning at the first failure (not one per attempt).
 * @throws StartupError from `describe` when time runs out or the error is not transient
 */
async function waitFor(options: {
  what: string;
  timeoutMs: number;
  logger: Logger;
  attempt: () => Promise<void>;
  transient: (error: unknown) => boolean;
  describe: (reason: string, gaveUp: boolean) => string;
}): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let backoffMs = FIRST_BACKOFF_MS;
  for (let attempts = 1; ; attempts++) {
    try {
      await options.attempt();
      if (attempts > 1) options.logger.info({ attempts }, `${options.what} is up`);
      return;
    } catch (error) {
      const reason = reasonOf(error);
      if (!options.transient(error)) throw new StartupError(options.describe(reason, false), { cause: error });
      if (Date.now() + backoffMs > deadline) throw new StartupError(options.describe(reason, true), { cause: error });
      if (attempts === 1) options.logger.warn({ reason, timeoutMs: options.timeoutMs }, `waiting for ${options.what}`);
      await pause(backoffMs);
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }
  }
}

/** SQLSTATEs of PostgreSQL still starting or recovering (57P03 cannot_connect_now): worth waiting for. */
const STARTING_STATES = new Set(['57P03']);

/**
 * Waits until PostgreSQL at `databaseUrl` accepts a connection, creating the database when it is missing.
 * @throws StartupError naming PostgreSQL, the address and DATABASE_URL: not reachable within `timeoutMs`, or
 *   refused the role or password (28P01, 28000), or any other error at once
 */
export async function waitForPostgres(databaseUrl: string, options: { timeoutMs: number; logger: Logger }): Promise<void> {
  const address = redactUrl(databaseUrl);
  await waitFor({
    what: 'PostgreSQL',
    ...options,
    attempt: () => ensureDatabase(databaseUrl),
    transient: (error) => isConnectionError(error) || STARTING_STATES.has(String((error as { code?: unknown }).code)),
    describe: (reason, gaveUp) =>
      gaveUp
        ? `cannot start: PostgreSQL at ${address} did not answer within ${options.timeoutMs / 1000} s (${reason}); check DATABASE_URL, or raise STARTUP_TIMEOUT_MS`
        : `cannot start: PostgreSQL at ${address} refused the connection: ${reason}; check the role, password and database in DATABASE_URL`,
  });
}

/** Redis errors no wait fixes: a wrong password or user, a command Redis refuses. */
function isRedisRefusal(error: unknown): boolean {
  return error instanceof Error && /NOAUTH|WRONGPASS|NOPERM|ERR (invalid password|DB index|AUTH)/i.test(error.message);
}

/**
 * Waits until Redis at `redisUrl` answers PING on its database.
 * @throws StartupError naming Redis, the address and REDIS_URL
 */
export async function waitForRedis(redisUrl: string, options: { timeoutMs: number; logger: Logger }): Promise<void> {
  const address = redactUrl(redisUrl);
  await waitFor({
    what: 'Redis',
    ...options,
    attempt: async () => {
      const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
      } finally {
        probe.disconnect();
      }
    },
    transient: (error) => !isRedisRefusal(error),
    describe: (reason, gaveUp) =>
      gaveUp
        ? `cannot start: Redis at ${address} did not answer within ${options.timeoutMs / 1000} s (${reason}); check REDIS_URL, or raise STARTUP_TIMEOUT_MS`
        : `cannot start: Redis at ${address} refused the connection: ${reason}; check the password and database in REDIS_URL`,
  });
}

/**
 * The line for an HTTP listener that could not start (EADDRINUSE, EACCES, EADDRNOTAVAIL).
 * @param variables the variables that chose the address, e.g. "PORT and HOST"
 */
export function listenError(error: unknown, address: { host: string; port: number; variables: string }): StartupError {
  const code = (error as { code?: unknown }).code;
  const where = `${address.host}:${address.port}`;
  const why =
    code === 'EADDRINUSE'
      ? `${where} is already in use by another process`
      : code === 'EACCES'
        ? `${where} needs privileges this user lacks (ports below 1024)`
        : code === 'EADDRNOTAVAIL'
          ? `${address.host} is not an address of this machine`
          : `${where}: ${reasonOf(error)}`;
  return new StartupError(`cannot start: cannot listen on ${why}; choose another with ${address.variables}`, { cause: error });
}
