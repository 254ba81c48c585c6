/**
 * Migration 026: a database that already holds images before sites existed gets the first-party site `default`,
 * and every existing image (with its reports and audit events) belongs to it; site_id is then required.
 */
import { readdir, readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { createPool, ensureDatabase, type Pool } from '../../src/db/pool.js';
import { projectPath } from '../../src/paths.js';
import { loadConfig } from '../../src/config.js';
import { poolLimits } from '../../src/deps.js';
import { TEST_DATABASE_SERVER } from '../helpers/test-env.js';

let pool: Pool;
const url = `${TEST_DATABASE_SERVER}/imgmod_test_${inject('runId')}_${process.pid}_sites_migration`;

beforeAll(async () => {
  await ensureDatabase(url);
  pool = createPool(url, {
    name: 'sites-migration',
    limits: poolLimits(loadConfig({ NODE_ENV: 'test' }), 'jobs'),
    onError: () => undefined,
  });
});
afterAll(() => pool?.end());

/** Applies the migrations before `before` as migrate() would, recording them as applied. */
async function migrateUpTo(before: string): Promise<void> {
  const dir = projectPath('migrations/');
  const files = (await readdir(dir)).filter((name) => /^\d+_.+\.sql$/.test(name) && name < before).sort();
  await pool.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  for (const name of files) {
    await pool.query(await readFile(`${dir}${name}`, 'utf8'));
    await pool.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
  }
}

describe('migration 026_sites', () => {
  it('when images exist before sites, then they all belong to the first-party site afterwards, and a new image needs a site', async () => {
    await migrateUpTo('026');
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) {
      await pool.query(
        `INSERT INTO images (id, uploader_id, status, sha256, bytes, mime_type, storage_key) VALUES ($1, 'old-uploader', 'visible', $2, 10, 'image/jpeg', $3)`,
        [id, 'a'.repeat(64), `originals/${id}`],
      );
    }
    const applied = await migrate(pool);
    expect(applied).toContain('026_sites.sql');
    const rows = await pool.query<{ id: string; site_id: string }>('SELECT id, site_id FROM images ORDER BY id');
    expect(rows.rows).toEqual(ids.sort().map((id) => ({ id, site_id: 'default' })));
    const sites = await pool.query<{ id: string; status: string }>('SELECT id, status FROM sites');
    expect(sites.rows).toEqual([{ id: 'default', status: 'active' }]);
    await expect(
      pool.query(
        `INSERT INTO images (id, uploader_id, status, sha256, bytes, mime_type, storage_key) VALUES ($1, 'u', 'visible', $2, 10, 'image/jpeg', 'k')`,
        [randomUUID(), 'b'.repeat(64)],
      ),
    ).rejects.toThrow(/site_id/);
  });
});
