import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReportOnce } from '../../src/db/reports.repository.js';
import { evaluateImage } from '../../src/evaluation/evaluate-image.js';
import { processImage } from '../../src/images/process-image.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
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
