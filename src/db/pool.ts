/**
 * PostgreSQL access: the pools, transactions, the errors that mean "the database is away", and creating the
 * database when it does not exist.
 *
 * Bounded waiting. Every session starts with `statement_timeout`, `lock_timeout` and
 * `idle_in_transaction_session_timeout` (PostgreSQL's own settings, sent in the startup packet), and a pool
 * hands out a connection within `acquireTimeoutMs` or fails. The API's pool and the workers' pool are apart
 * (see startWorkers), with their own numbers: a request waits two seconds for a row lock, a job longer. Both
 * stay above PostgreSQL's deadlock_timeout (1 s), so a deadlock is detected, and retried, before a lock times out.
 *
 * Lock order (deadlocks are retried, but are better avoided): a transaction locks its image row first
 * (`lockImage` / `shareLockImage`), then that image's reports, then inserts outbox rows (never locked by
 * anyone else; the relay claims them with SKIP LOCKED in its own short statement). The one exception is an
 * uphold, which also moves the picture's visible copies after its own image (decide.ts): two at once may
 * deadlock, and are retried. No transaction waits on Redis, storage or any other network call while it
 * holds a lock.
 */
import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

// int8 (bigserial ids, count(*)) as JS numbers: our counts and ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
// numeric (report weights, scores) as JS numbers: 3 decimals, far inside double precision.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/** How long a pool's sessions may wait, in ms; 0 means no limit (PostgreSQL's default). */
export interface PoolLimits {
  /** Most connections the pool opens. */
  max: number;
  /** A caller waiting for a free connection (or a new one to open) fails after this long (pg's connectionTimeoutMillis). */
  acquireTimeoutMs: number;
  /** PostgreSQL's statement_timeout: a statement running longer is cancelled (SQLSTATE 57014). */
  statementTimeoutMs: number;
  /** PostgreSQL's lock_timeout: a statement waiting longer for a row or table lock fails (SQLSTATE 55P03). */
  lockTimeoutMs: number;
  /** PostgreSQL's idle_in_transaction_session_timeout: a session idle this long inside a transaction is ended, its locks released. */
  idleInTransactionTimeoutMs: number;
}

/**
 * Creates a pool for `databaseUrl` with `limits`. Every client gets an error listener for its whole life,
 * checked out or idle: a connection PostgreSQL ends (a restart: 57P01 admin_shutdown) is logged through
 * `onError` and dropped, never an unhandled 'error' event that would end the process. The query that was
 * running on it rejects as usual.
 * @param options.name shown as application_name in pg_stat_activity
 */
export function createPool(databaseUrl: string, options: { limits: PoolLimits; name: string; onError: (error: Error) => void }): Pool {
  const { limits } = options;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    application_name: options.name,
    max: limits.max,
    connectionTimeoutMillis: limits.acquireTimeoutMs,
    statement_timeout: limits.statementTimeoutMs,
    lock_timeout: limits.lockTimeoutMs,
    idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
  });
  pool.on('error', options.onError);
  // pg-pool removes its own listener while a client is checked out: without this one, a connection lost
  // mid-transaction emits 'error' with no listener, and Node ends the process.
  pool.on('connect', (client) => client.on('error', options.onError));
  return pool;
}

/** Thrown instead of a driver error when PostgreSQL cannot be reached; the API answers 503 `database_unavailable`. */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`PostgreSQL is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/** SQLSTATEs after which the session or server is gone (class 08 connection exception, 57P0x shutdown, too many connections). */
const CONNECTION_STATES = new Set(['57P01', '57P02', '57P03', '53300', '25P03']);
/** Node socket errors of a server that is down or went away. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** Messages pg and pg-pool give without a code. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Connection terminated due to connection timeout',
];

/**
 * True when `error` means the connection or server is gone rather than the statement being wrong: the
 * statement may work on a new connection later. Transactions are retried on these (see withTransaction)
 * and the API answers them with 503.
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || CONNECTION_STATES.has(code) || SOCKET_CODES.has(code))) return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return CONNECTION_MESSAGES.some((message) => error.message.includes(message));
}

/** True for pg-pool's "no connection free within connectionTimeoutMillis". */
function isAcquireTimeout(error: unknown): boolean {
  return error instanceof Error && error.message.includes('timeout exceeded when trying to connect');
}

/** deadlock_detected and serialization_failure: PostgreSQL rolled the transaction back; running it again is safe. */
const RETRYABLE = new Set(['40P01', '40001']);
/** Attempts of a transaction in all, by default. */
const DEFAULT_ATTEMPTS = 3;
/** Backoff before attempt n+1: BACKOFF_MS × 4^(n−1), plus up to 50 % jitter (100 ms, 400 ms, 1.6 s …). */
const BACKOFF_MS = 100;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws (the error is rethrown).
 * A transaction PostgreSQL aborted as a deadlock victim, or whose connection was lost before COMMIT was sent
 * (a restart, a failover), is run again on a fresh connection after a backoff, up to `attempts` times in all,
 * so `work` must only touch the database (no side effects it cannot repeat). A connection lost during COMMIT
 * is not retried (the commit may have happened): the caller gets DatabaseUnavailableError.
 * @param options.attempts attempts in all (default 3: about 0.5 s of retrying)
 * @param options.lockTimeoutMs lock_timeout of this transaction only, in ms (set with BEGIN, in the same round trip)
 * @param options.settings further settings of this transaction only (SET LOCAL, in the same round trip); names and
 *   values are the caller's constants, never input
 * @returns whatever `work` returns
 * @throws DatabaseUnavailableError when PostgreSQL stays unreachable; `work`'s own errors as they are
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  options: { attempts?: number; lockTimeoutMs?: number; settings?: Readonly<Record<string, string>> } = {},
): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const settings = { ...options.settings };
  if (options.lockTimeoutMs !== undefined) settings.lock_timeout = String(Math.max(1, Math.trunc(options.lockTimeoutMs)));
  const begin = ['BEGIN', ...Object.entries(settings).map(([name, value]) => `SET LOCAL ${name} = ${value}`)].join('; ');
  for (let attempt = 1; ; attempt++) {
    let committing = false;
    let client: PoolClient | undefined;
    try {
      client = await pool.connect();
      await client.query(begin);
      const result = await work(client);
      committing = true;
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      const lost = isConnectionError(error);
      if (client) {
        const rolledBack = lost
          ? false
          : await client.query('ROLLBACK').then(
              () => true,
              () => false,
            );
        client.release(rolledBack ? undefined : (error as Error));
      }
      const code = (error as { code?: string }).code;
      // A full pool is not retried: waiting again would only double the wait of a request already late.
      const retryable = (lost && !committing && !isAcquireTimeout(error)) || (code !== undefined && RETRYABLE.has(code));
      if (attempt >= attempts || !retryable) throw lost ? new DatabaseUnavailableError(error) : error;
      await pause(BACKOFF_MS * 4 ** (attempt - 1) * (1 + Math.random() / 2));
    }
  }
}

/**
 * Creates the database named in `databaseUrl` when it does not exist, connecting to the server's
 * `postgres` database to do so. Safe to call from several processes at once.
 */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  // A server going away now rejects the query below; the event itself must not end the process.
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
      // duplicate_database, or a unique violation on pg_database: another process created it first
      if (error.code !== '42P04' && error.code !== '23505') throw error;
    });
  } finally {
    await admin.end();
  }
}
