import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctPicture } from '../helpers/images.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  // A long lock timeout (8 s) leaves a loaded machine room to show that other images do not wait for it.
  service = await startTestService({
    env: { DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '2000', RATE_LIMIT_READER: 'none', DB_LOCK_TIMEOUT_MS: '8000' },
  });
});
afterAll(() => service.close());

/** Runs `request` and measures how long it took to answer, in ms. */
async function timed(request: () => Promise<Response>): Promise<{ status: number; ms: number; retryAfter: string | null; code?: string }> {
  const started = performance.now();
  const response = await request();
  const body = (await response.json().catch(() => ({}))) as { error?: { code: string } };
  return {
    status: response.status,
    ms: performance.now() - started,
    retryAfter: response.headers.get('retry-after'),
    code: body.error?.code,
  };
}

/** A session outside imgmod holding an image's row lock, as a stuck evaluation would (lockImage). */
async function holdImageLock(imageId: string): Promise<pg.Client> {
  const holder = new pg.Client({ connectionString: service.deps.config.DATABASE_URL });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT id FROM images WHERE id = $1 FOR NO KEY UPDATE', [imageId]);
  return holder;
}

describe('a locked image', () => {
  it('when another session holds an image row lock, then reports on it answer 503 with Retry-After within seconds while other images answer at once', async () => {
    const locked = await service.uploadDistinct();
    const other = await service.uploadDistinct();
    const fresh = await distinctPicture(8_123);
    const holder = await holdImageLock(locked);
    try {
      // More reports on the locked image than the API's pool has connections (10).
      const onLocked = Array.from({ length: 16 }, (_, i) => timed(() => service.report(locked, `locked-reader-${i}`)));
      // The first four (the per-image line) wait on the row lock in PostgreSQL; the rest wait in line.
      await waitFor(async () => {
        const waiting = await service.deps.pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return (waiting.rowCount ?? 0) >= 4;
      });
      const onOther = await Promise.all([
        ...Array.from({ length: 6 }, (_, i) => timed(() => service.report(other, `other-reader-${i}`))),
        timed(() => service.request(`/i/${other}`)),
        timed(() => service.request(`/v1/images/${other}`, { as: 'uploader' })),
        timed(() => service.request(`/v1/images/${locked}`, { as: 'uploader' })), // reading is never blocked
        timed(() => service.upload(fresh)),
      ]);
      for (const answer of onOther) {
        expect(answer.status).toBeLessThan(300);
        expect(answer.ms).toBeLessThan(5_000); // well under the lock timeout (8 s): nobody waited for the locked image
      }
      const lockedAnswers = await Promise.all(onLocked);
      for (const answer of lockedAnswers) {
        expect(answer).toMatchObject({ status: 503, retryAfter: '1' });
        expect(['database_busy', 'image_busy']).toContain(answer.code);
        expect(answer.ms).toBeLessThan(30_000); // the lock timeout, in turn for each line of four, not forever
      }
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect((await service.report(locked, 'after-release')).status).toBe(202);
  });

  it('when an imgmod session stalls inside a transaction holding a lock, then PostgreSQL ends it after DB_IDLE_IN_TRANSACTION_TIMEOUT_MS and the process lives on', async () => {
    const imageId = await service.uploadDistinct();
    const stalled = await service.deps.pool.connect(); // as a paused worker's would be
    await stalled.query('BEGIN');
    await stalled.query('SELECT id FROM images WHERE id = $1 FOR NO KEY UPDATE', [imageId]);
    // The session is ended by the server; its client reports an error event, which must not crash us.
    const ended = new Promise((resolve) => stalled.once('error', resolve));
    await waitFor(async () => (await service.report(imageId, 'patient-reader')).status === 202, 15_000);
    await ended;
    stalled.release(true);
    expect((await service.request(`/v1/images/${imageId}`, { as: 'uploader' })).status).toBe(200);
  });
});
