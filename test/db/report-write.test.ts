/**
 * Recording reports in one statement (insertReportsWithJobs): status checked under the image's
 * lock, one outbox row per report written, and a batch answered report by report.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReportsWithJobs, type ReportWithJob } from '../../src/db/reports.repository.js';
import { AUTO_BLOCKABLE_STATUSES, REPORTABLE_STATUSES } from '../../src/domain/image-status.js';
import { forceStatus, outboxOf } from '../helpers/records.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: false });
});
afterAll(async () => {
  await service.close();
});

const job = {
  topic: 'evaluate-image' as const,
  reportable: REPORTABLE_STATUSES,
  autoBlockable: AUTO_BLOCKABLE_STATUSES,
};
const report = (imageId: string, reporterId: string, requestId = 'req-1') => ({
  report: { id: randomUUID(), imageId, reporterId, reporterRole: 'reader' as const, reason: 'spam' as const, note: null, weight: 1 },
  requestId,
});

/** One report written alone. */
const insertAlone = async (db: typeof service.deps.pool, item: ReportWithJob, options: typeof job) =>
  (await insertReportsWithJobs(db, [item], options))[0]!;

async function image(): Promise<string> {
  return ((await (await service.upload('real/concert.jpg')).json()) as { id: string }).id;
}

async function countsForTrust(reportId: string): Promise<boolean> {
  const row = await service.deps.pool.query<{ counts: boolean }>('SELECT counts_for_trust AS counts FROM reports WHERE id = $1', [
    reportId,
  ]);
  return row.rows[0]!.counts;
}

describe('insertReportsWithJobs, one report alone', () => {
  it('when the image is visible, then the report and one evaluate-image row with the request id are written, counting for trust', async () => {
    const id = await image();
    await forceStatus(service, id, 'visible');
    const written = await insertAlone(service.deps.pool, report(id, 'one-write-a'), job);
    expect(written.status).toBe('visible');
    expect(await countsForTrust(written.reportId!)).toBe(true);
    const jobs = (await outboxOf(service, id)).filter((row) => row.topic === 'evaluate-image');
    expect(jobs.map((row) => row.requestId)).toEqual(['req-1']);
  });

  it('when the image is auto-blocked, then the report is kept but does not count for trust', async () => {
    const id = await image();
    await forceStatus(service, id, 'auto_blocked');
    const written = await insertAlone(service.deps.pool, report(id, 'one-write-b'), job);
    expect(await countsForTrust(written.reportId!)).toBe(false);
  });

  it('when the reader already has an open report, then nothing is written and no second job is queued', async () => {
    const id = await image();
    const first = await insertAlone(service.deps.pool, report(id, 'one-write-c'), job);
    const second = await insertAlone(service.deps.pool, report(id, 'one-write-c'), job);
    expect(first.reportId).not.toBeNull();
    expect(second).toEqual({ status: 'processing', reportId: null });
    expect((await outboxOf(service, id)).filter((row) => row.topic === 'evaluate-image')).toHaveLength(1);
  });

  it('when the image is removed or unknown, then nothing is written and the status says why', async () => {
    const id = await image();
    await forceStatus(service, id, 'removed');
    expect(await insertAlone(service.deps.pool, report(id, 'one-write-d'), job)).toEqual({ status: 'removed', reportId: null });
    expect(await insertAlone(service.deps.pool, report(randomUUID(), 'one-write-d'), job)).toEqual({
      status: null,
      reportId: null,
    });
    expect((await outboxOf(service, id)).filter((row) => row.topic === 'evaluate-image')).toHaveLength(0);
  });

  it('when a decision holds the image while the report is written, then the report waits and sees the decision', async () => {
    const id = await image();
    const decision = await service.deps.pool.connect();
    try {
      await decision.query('BEGIN');
      await decision.query('SELECT id FROM images WHERE id = $1 FOR NO KEY UPDATE', [id]);
      const write = insertAlone(service.deps.pool, report(id, 'one-write-e'), job);
      // the write is waiting on the image's row lock before the decision goes on
      await waitFor(async () => {
        const waiting = await service.deps.pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH asked AS%'`,
        );
        return (waiting.rowCount ?? 0) > 0;
      });
      await decision.query(`UPDATE images SET status = 'removed' WHERE id = $1`, [id]);
      await decision.query('COMMIT');
      expect(await write).toEqual({ status: 'removed', reportId: null });
    } finally {
      decision.release();
    }
  });
});

describe('insertReportsWithJobs, a batch', () => {
  it("when a batch holds reports on visible, removed and unknown images and a reader's second report, then each is answered as alone, in order", async () => {
    const [a, b, removed] = [await image(), await image(), await image()];
    await forceStatus(service, a, 'visible');
    await forceStatus(service, b, 'visible');
    await forceStatus(service, removed, 'removed');
    const earlier = await insertAlone(service.deps.pool, report(b, 'batch-r2'), job);
    const answers = await insertReportsWithJobs(
      service.deps.pool,
      [
        report(b, 'batch-r1', 'req-b1'),
        report(removed, 'batch-r1'),
        report(a, 'batch-r1', 'req-a1'),
        report(b, 'batch-r2'),
        report(randomUUID(), 'batch-r1'),
      ],
      job,
    );
    expect(answers.map((answer) => [answer.status, answer.reportId !== null])).toEqual([
      ['visible', true],
      ['removed', false],
      ['visible', true],
      ['visible', false],
      [null, false],
    ]);
    expect(earlier.reportId).not.toBeNull();
    const stored = await service.deps.pool.query<{ id: string; image: string }>(
      `SELECT id, image_id AS image FROM reports WHERE reporter_id = 'batch-r1' ORDER BY image_id`,
    );
    expect(stored.rows.map((row) => row.id).sort()).toEqual([answers[0]!.reportId, answers[2]!.reportId].sort());
    const evaluations = async (id: string) => (await outboxOf(service, id)).filter((row) => row.topic === 'evaluate-image');
    expect((await evaluations(a)).map((row) => row.requestId)).toEqual(['req-a1']);
    expect((await evaluations(b)).map((row) => row.requestId).sort()).toEqual(['req-1', 'req-b1']);
    expect(await evaluations(removed)).toHaveLength(0);
  });

  it('when batches of one reader report the same images in opposite orders at once, then each image gets one report and none deadlocks', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await image());
    const batch = (order: string[]) =>
      insertReportsWithJobs(
        service.deps.pool,
        order.map((id) => report(id, 'batch-order')),
        job,
      );
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => batch(i % 2 ? [...ids].reverse() : ids)));
    expect(answers.flat().filter((answer) => answer.reportId !== null)).toHaveLength(6);
    const count = await service.deps.pool.query<{ n: number }>(
      `SELECT count(DISTINCT image_id)::int AS n FROM reports WHERE reporter_id = 'batch-order'`,
    );
    expect(count.rows[0]!.n).toBe(6);
  });
});
