/**
 * The relay's claim with many done rows that vacuum has not removed yet (autovacuum off, or behind): an index scan
 * in id order, which marks the dead index entries it passes so later claims skip them, never a bitmap scan, which
 * visits every dead entry again at each claim.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAIM_OUTBOX_SETTINGS, CLAIM_OUTBOX_SQL, claimOutbox } from '../../src/db/outbox.repository.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
/** One connection, whose temporary `outbox` (same columns and indexes, no rows of other tests) hides the real one. */
let pool: pg.Pool;
const CLAIM_ARGS = [200, 60_000, 10, 10_000];

beforeAll(async () => {
  service = await startTestService({ workers: false });
  pool = new pg.Pool({ connectionString: service.deps.config.DATABASE_URL, max: 1 });
  await pool.query('CREATE TEMP TABLE outbox (LIKE public.outbox INCLUDING DEFAULTS INCLUDING INDEXES)');
  // 20,000 rows relayed and done, never vacuumed nor analyzed, then three new ones.
  await pool.query(`INSERT INTO outbox (topic, image_id) SELECT 'evaluate-image', gen_random_uuid() FROM generate_series(1, 20000)`);
  await pool.query('UPDATE outbox SET sent_at = now(), send_count = 1, done_at = now()');
  await pool.query(`INSERT INTO outbox (topic, image_id) SELECT 'evaluate-image', gen_random_uuid() FROM generate_series(1, 3)`);
});
afterAll(async () => {
  await pool.end();
  await service.close();
});

async function plan(settings: Readonly<Record<string, string>>): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const [name, value] of Object.entries(settings)) await client.query(`SET LOCAL ${name} = ${value}`);
    const result = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${CLAIM_OUTBOX_SQL}`, CLAIM_ARGS);
    return result.rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

describe('claimOutbox', () => {
  it('when many done rows wait for vacuum, then the claim reads the open rows by an index scan, not a bitmap scan', async () => {
    // Left to itself, the planner takes a bitmap scan here (the case the settings are for).
    expect(await plan({})).toContain('Bitmap Index Scan');
    const claimPlan = await plan(CLAIM_OUTBOX_SETTINGS);
    expect(claimPlan).toMatch(/Index Scan using \S+ on outbox/);
    expect(claimPlan).not.toContain('Bitmap');
  });

  it('when autovacuum runs, then it vacuums the outbox after 1,000 dead rows and 1 % of the table, unthrottled', async () => {
    const result = await service.deps.pool.query<{ reloptions: string[] | null }>(
      `SELECT reloptions FROM pg_class WHERE oid = 'public.outbox'::regclass`,
    );
    expect(result.rows[0]!.reloptions).toEqual(
      expect.arrayContaining(['autovacuum_vacuum_threshold=1000', 'autovacuum_vacuum_scale_factor=0.01', 'autovacuum_vacuum_cost_delay=0']),
    );
  });

  it('when it claims, then it gets the open rows, and its settings end with its transaction', async () => {
    const rows = await claimOutbox(pool, { limit: 200, resendAfterMs: 60_000, maxSends: 10, leaseMs: 10_000 });
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => row.id)).toEqual([...rows.map((row) => row.id)].sort((a, b) => a - b));
    expect((await pool.query<{ enable_bitmapscan: string }>('SHOW enable_bitmapscan')).rows[0]!.enable_bitmapscan).toBe('on');
  });
});
