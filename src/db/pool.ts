/** PostgreSQL access: the pool, transactions, and creating the database when it does not exist. */
import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

// int8 (bigserial ids, count(*)) as JS numbers: our counts and ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
// numeric (report weights, scores) as JS numbers: 3 decimals, far inside double precision.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/** Creates a pool for DATABASE_URL. Errors on idle clients are logged by the caller's handler, never thrown. */
export function createPool(databaseUrl: string, onError: (error: Error) => void): Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  pool.on('error', onError);
  return pool;
}

/** deadlock_detected and serialization_failure: PostgreSQL rolled the transaction back; running it again is safe. */
const RETRYABLE = new Set(['40P01', '40001']);
/** Attempts of a transaction that PostgreSQL aborted as a deadlock victim. */
const MAX_ATTEMPTS = 3;

/**
 * Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws (the error is rethrown).
 * A transaction PostgreSQL aborts as a deadlock victim is run again, up to 3 times in all, so `work` must
 * only touch the database (no side effects it cannot repeat).
 * @returns whatever `work` returns
 */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      const code = (error as { code?: string }).code;
      if (attempt >= MAX_ATTEMPTS || code === undefined || !RETRYABLE.has(code)) throw error;
    } finally {
      client.release();
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
