/**
 * Group commit of reports: reports that arrive while a write is at the database share the next one, and each
 * is answered exactly as a lone report would be; an image another session holds does not hold up the others.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventRegistry } from '../../src/metrics.js';
import { reportImage } from '../../src/reports/report-image.js';
import { imageIn, outboxOf } from '../helpers/records.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  // A threshold no test reaches: every report here is answered while its image is still visible.
  service = await startTestService({ env: { RATE_LIMIT_READER: 'none', DB_LOCK_TIMEOUT_MS: '8000', AUTO_BLOCK_THRESHOLD: '1000' } });
});
afterAll(() => service.close());

async function answer(response: Promise<Response>): Promise<{ status: number; reportId?: string; code?: string }> {
  const settled = await response;
  const body = (await settled.json()) as { reportId?: string; error?: { code: string } };
  return { status: settled.status, reportId: body.reportId, code: body.error?.code };
}

/** How many batched writes so far, and how many of them held more than one report. */
async function batches(): Promise<{ writes: number; shared: number }> {
  const text = await eventRegistry.getSingleMetricAsString('imgmod_report_batch_size');
  const read = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  const writes = read(/^imgmod_report_batch_size_count (\d+)$/m);
  return { writes, shared: writes - read(/^imgmod_report_batch_size_bucket\{le="1"\} (\d+)$/m) };
}

describe('reports written together', () => {
  it('when many readers report at once, images of every kind among them, then each gets the answer a lone report gets, in shared writes', async () => {
    const [a, b, removed] = [await imageIn(service, 'visible'), await imageIn(service, 'visible'), await imageIn(service, 'removed')];
    const earlier = await answer(service.report(a, 'batch-twice'));
    const evaluations = async (id: string) => (await outboxOf(service, id)).filter((row) => row.topic === 'evaluate-image').length;
    const queued = [await evaluations(a), await evaluations(b), await evaluations(removed)];
    const before = await batches();
    const asked = [
      ...Array.from({ length: 10 }, (_, i) => ({ image: a, reader: `batch-a-${i}`, expect: 202 })),
      ...Array.from({ length: 10 }, (_, i) => ({ image: b, reader: `batch-b-${i}`, expect: 202 })),
      { image: a, reader: 'batch-twice', expect: 200 },
      ...Array.from({ length: 3 }, (_, i) => ({ image: removed, reader: `batch-r-${i}`, expect: 409 })),
      ...Array.from({ length: 2 }, (_, i) => ({ image: randomUUID(), reader: `batch-u-${i}`, expect: 404 })),
    ];
    const answers = await Promise.all(asked.map((ask) => answer(service.report(ask.image, ask.reader))));
    expect(answers.map((got) => got.status)).toEqual(asked.map((ask) => ask.expect));
    expect(answers[20]!.reportId).toBe(earlier.reportId);
    expect(answers.slice(21, 24).map((got) => got.code)).toEqual(['image_not_reportable', 'image_not_reportable', 'image_not_reportable']);
    const stored = await service.deps.pool.query<{ image: string; n: number }>(
      `SELECT image_id AS image, count(*)::int AS n FROM reports WHERE image_id = ANY($1) GROUP BY image_id`,
      [[a, b, removed]],
    );
    expect(Object.fromEntries(stored.rows.map((row) => [row.image, row.n]))).toEqual({ [a]: 11, [b]: 10 });
    // one evaluate-image row per new report
    expect([(await evaluations(a)) - queued[0]!, (await evaluations(b)) - queued[1]!, (await evaluations(removed)) - queued[2]!]).toEqual([
      10, 10, 0,
    ]);
    const after = await batches();
    expect(after.writes - before.writes).toBeLessThan(20); // fewer writes than new reports
    expect(after.shared).toBeGreaterThan(before.shared);
  });

  it('when another session holds one image, then reports on other images are written at once and its own once the lock is gone', async () => {
    const [held, other] = [await imageIn(service, 'visible'), await imageIn(service, 'visible')];
    const holder = new pg.Client({ connectionString: service.deps.config.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM images WHERE id = $1 FOR NO KEY UPDATE', [held]);
      let heldAnswered = false;
      const onHeld = answer(service.report(held, 'held-reader')).finally(() => (heldAnswered = true));
      const onOther = Array.from({ length: 6 }, (_, i) => answer(service.report(other, `held-other-${i}`)));
      await waitFor(async () => {
        const waiting = await service.deps.pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return (waiting.rowCount ?? 0) > 0;
      });
      expect((await Promise.all(onOther)).map((got) => got.status)).toEqual([202, 202, 202, 202, 202, 202]);
      expect(heldAnswered).toBe(false);
      await holder.query('COMMIT');
      expect((await onHeld).status).toBe(202);
    } finally {
      await holder.end();
    }
  });
  it("when the connection of a batch's read is lost, then each of its reports is tried alone instead of all failing", async () => {
    const images = [await imageIn(service, 'visible'), await imageIn(service, 'visible'), await imageIn(service, 'visible')];
    const holder = new pg.Client({ connectionString: service.deps.config.DATABASE_URL });
    await holder.connect();
    try {
      // The reports table locked: the batch's read waits on its one connection until the test ends that connection.
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE reports IN ACCESS EXCLUSIVE MODE');
      // Asked in one turn of the event loop: one batch, one read.
      const asked = images.map((imageId, i) =>
        reportImage(service.deps, {
          imageId,
          siteId: null,
          reporterId: `lost-read-${i}`,
          reporterRole: 'reader',
          reason: 'spam',
          note: null,
        }).catch((error: unknown) => error),
      );
      const reading = await waitFor(async () => {
        const waiting = await service.deps.pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%q(reporter_id, image_id, network_hash, n)%'`,
        );
        return waiting.rows[0]?.pid;
      });
      await holder.query('SELECT pg_terminate_backend($1)', [reading]);
      await holder.query('ROLLBACK');
      const answers = await Promise.all(asked);
      expect(answers.map((got) => (got instanceof Error ? got.message : { duplicate: (got as { duplicate: boolean }).duplicate }))).toEqual(
        [{ duplicate: false }, { duplicate: false }, { duplicate: false }],
      );
      const stored = await service.deps.pool.query('SELECT 1 FROM reports WHERE reporter_id LIKE $1', ['lost-read-%']);
      expect(stored.rowCount).toBe(3);
    } finally {
      await holder.end();
    }
  });

  it("when the connection of a batch's write is lost, then each report is written alone and answered as new", async () => {
    const images = [await imageIn(service, 'visible'), await imageIn(service, 'visible'), await imageIn(service, 'visible')];
    const holder = new pg.Client({ connectionString: service.deps.config.DATABASE_URL });
    await holder.connect();
    try {
      // The outbox locked against writes: the batch's read passes, its write waits until the test ends its connection.
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE outbox IN SHARE MODE');
      const asked = images.map((imageId, i) =>
        reportImage(service.deps, {
          imageId,
          siteId: null,
          reporterId: `lost-write-${i}`,
          reporterRole: 'reader',
          reason: 'spam',
          note: null,
        }),
      );
      const writing = await waitFor(async () => {
        const waiting = await service.deps.pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH asked AS%'`,
        );
        return waiting.rows[0]?.pid;
      });
      await holder.query('SELECT pg_terminate_backend($1)', [writing]);
      await holder.query('ROLLBACK');
      expect((await Promise.all(asked)).map((got) => got.duplicate)).toEqual([false, false, false]);
      const stored = await service.deps.pool.query('SELECT 1 FROM reports WHERE reporter_id LIKE $1', ['lost-write-%']);
      expect(stored.rowCount).toBe(3);
    } finally {
      await holder.end();
    }
  });
});
