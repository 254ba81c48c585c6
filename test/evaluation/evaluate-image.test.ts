import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReportOnce } from '../../src/db/reports.repository.js';
import { bumpSiteAutoBlocks, readSiteAutoBlocks, resetBreaker } from '../../src/db/sites.repository.js';
import { evaluateImage } from '../../src/evaluation/evaluate-image.js';
import { processImage } from '../../src/images/process-image.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { auditActions, imageRecord } from '../helpers/records.js';

let service: TestService;
beforeAll(async () => {
  // No workers: this file drives evaluateImage directly.
  service = await startTestService({ workers: false });
});
afterAll(() => service.close());

async function imageWithReports(count: number): Promise<string> {
  const response = await service.upload('real/concert.jpg');
  const { id } = (await response.json()) as { id: string };
  for (let i = 0; i < count; i++) {
    await insertReportOnce(service.deps.pool, {
      id: randomUUID(),
      imageId: id,
      reporterId: `r${i}-${id}`,
      reporterRole: 'reader',
      reason: 'spam',
      note: null,
      weight: 1,
    });
  }
  return id;
}

describe('evaluateImage', () => {
  it('when 12 evaluations of an image over the threshold run at once, then exactly one blocks it and one event is written', async () => {
    const id = await imageWithReports(3);
    const results = await Promise.all(Array.from({ length: 12 }, () => evaluateImage(service.deps, id)));
    expect(results.filter((result) => result.blocked)).toHaveLength(1);
    expect(results.every((result) => result.status === 'auto_blocked')).toBe(true);
    expect(await auditActions(service, id)).toEqual(['auto_block']);
  });

  it('when an image is still processing and reaches the threshold, then it is auto-blocked and processing it does not unblock it', async () => {
    const id = await imageWithReports(3);
    expect(await service.status(id)).toBe('processing');
    expect((await evaluateImage(service.deps, id)).blocked).toBe(true);
    expect(await processImage(service.deps, id)).toBe('auto_blocked');
    expect(await imageRecord(service, id)).toMatchObject({ status: 'auto_blocked', thumbnailKey: `thumbnails/${id}.webp` });
  });

  it('when the score is under the threshold, then nothing changes', async () => {
    const id = await imageWithReports(2);
    expect(await evaluateImage(service.deps, id)).toMatchObject({ blocked: false, score: 2, status: 'processing' });
  });

  it('when the image id is unknown, then the evaluation is a no-op', async () => {
    expect(await evaluateImage(service.deps, randomUUID())).toMatchObject({ blocked: false, status: null, score: 0 });
  });
});

describe('evaluateImage and the site circuit breaker', () => {
  it('when another auto-block of the site commits first and takes the last room, then the evaluation runs again and holds the image', async () => {
    const id = await imageWithReports(3);
    const { siteId } = await imageRecord(service, id);
    // Both this evaluation and the competing block must count in the same minute's row.
    await waitFor(() => Promise.resolve(new Date().getSeconds() < 50));
    const before = await readSiteAutoBlocks(service.deps.pool, siteId);
    // Room for exactly one more block this hour.
    const deps = { ...service.deps, config: { ...service.deps.config, SITE_BREAKER_FLOOR: before.lastHour + 1 } };
    const competitor = await service.deps.pool.connect();
    try {
      await competitor.query('BEGIN');
      await bumpSiteAutoBlocks(competitor, siteId); // counted, holding the minute's row, not committed yet
      const evaluation = evaluateImage(deps, id); // checks on the committed counts: allowed
      await waitFor(async () => {
        const waiting = await service.deps.pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return (waiting.rowCount ?? 0) > 0;
      });
      await competitor.query('COMMIT'); // the competitor took the room: this evaluation's count goes over
      expect(await evaluation).toMatchObject({ blocked: false, breakerHeld: true, status: 'processing' });
      expect(await service.status(id)).toBe('processing');
      expect(await auditActions(service, id)).toEqual(['site_breaker_held']);
      expect((await readSiteAutoBlocks(service.deps.pool, siteId)).lastHour).toBe(before.lastHour + 1);
    } finally {
      competitor.release();
      await resetBreaker(service.deps.pool, siteId);
    }
  });
});
