/** withTransaction against a real PostgreSQL: a deadlock victim is run again, and both transactions land. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/pool.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: false });
  await service.deps.pool.query('CREATE TABLE lock_pair (id int PRIMARY KEY, writes int NOT NULL DEFAULT 0)');
  await service.deps.pool.query('INSERT INTO lock_pair (id) VALUES (1), (2)');
});
afterAll(() => service.close());

/** A promise with its resolve function, to make two transactions meet. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('withTransaction', () => {
  it('when two transactions lock two rows in opposite orders (a deadlock), then the victim is run again and both commit', async () => {
    const aLocked = signal();
    const bLocked = signal();
    let attempts = 0;
    // Each locks its first row, waits (on its first attempt only) until the other locked its own, then takes
    // the other's row: PostgreSQL detects the cycle after deadlock_timeout and aborts one of them.
    const crossing = (first: number, second: number, mine: ReturnType<typeof signal>, theirs: ReturnType<typeof signal>) =>
      withTransaction(service.deps.pool, async (client) => {
        attempts++;
        await client.query('UPDATE lock_pair SET writes = writes + 1 WHERE id = $1', [first]);
        mine.resolve();
        await theirs.promise;
        await client.query('UPDATE lock_pair SET writes = writes + 1 WHERE id = $1', [second]);
      });
    await Promise.all([crossing(1, 2, aLocked, bLocked), crossing(2, 1, bLocked, aLocked)]);
    expect(attempts).toBe(3);
    const rows = await service.deps.pool.query<{ id: number; writes: number }>('SELECT id, writes FROM lock_pair ORDER BY id');
    expect(rows.rows).toEqual([
      { id: 1, writes: 2 },
      { id: 2, writes: 2 },
    ]);
  });

  it('when the work throws its own error, then it is rolled back and not run again', async () => {
    let attempts = 0;
    await expect(
      withTransaction(service.deps.pool, async (client) => {
        attempts++;
        await client.query('UPDATE lock_pair SET writes = 100 WHERE id = 1');
        throw new Error('refused by the rule');
      }),
    ).rejects.toThrow('refused by the rule');
    expect(attempts).toBe(1);
    const row = await service.deps.pool.query<{ writes: number }>('SELECT writes FROM lock_pair WHERE id = 1');
    expect(row.rows[0]!.writes).not.toBe(100);
  });

  it('when given lockTimeoutMs, then that transaction gives up on a held row after it, and the next one on the connection waits as usual', async () => {
    const holder = await service.deps.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM lock_pair WHERE id = 1 FOR UPDATE');
      const started = Date.now();
      const short = withTransaction(service.deps.pool, (client) => client.query('SELECT 1 FROM lock_pair WHERE id = 1 FOR UPDATE'), {
        lockTimeoutMs: 100,
      });
      await expect(short).rejects.toMatchObject({ code: '55P03' });
      expect(Date.now() - started).toBeLessThan(service.deps.config.DB_LOCK_TIMEOUT_MS);
      // SET LOCAL ended with the transaction: the session's own lock_timeout is back (the pool hands out the connection
      // released last).
      const after = await withTransaction(
        service.deps.pool,
        async (client) => (await client.query<{ lock_timeout: string }>('SHOW lock_timeout')).rows[0]!.lock_timeout,
      );
      expect(after).toBe(`${service.deps.config.DB_LOCK_TIMEOUT_MS / 1000}s`);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  });
});
