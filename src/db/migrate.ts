/**
 * Applies the numbered SQL files in migrations/ in order, once each, under an advisory lock so that
 * several processes starting together apply them once. Applied names are kept in schema_migrations.
 */
import { readdir, readFile } from 'node:fs/promises';
import { projectPath } from '../paths.js';
import { withTransaction, type Pool } from './pool.js';

const LOCK_KEY = 7_345_112; // arbitrary, constant: the advisory lock that serialises migrations

/**
 * Applies every pending migration.
 * @returns the names of the migrations applied by this call (empty when up to date)
 */
export async function migrate(pool: Pool): Promise<string[]> {
  const dir = projectPath('migrations/');
  const files = (await readdir(dir)).filter((name) => /^\d+_.+\.sql$/.test(name)).sort();
  return withTransaction(pool, async (client) => {
    // A migration may rewrite a big table and waits for other processes' migrations: the API's short
    // statement and lock timeouts do not apply to it.
    await client.query('SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = await client.query<{ name: string }>('SELECT name FROM schema_migrations');
    const applied = new Set(done.rows.map((row) => row.name));
    const pending = files.filter((name) => !applied.has(name));
    for (const name of pending) {
      await client.query(await readFile(`${dir}${name}`, 'utf8'));
      await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
    }
    return pending;
  });
}
