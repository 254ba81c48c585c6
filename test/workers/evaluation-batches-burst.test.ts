/**
 * The worker's evaluation batches under a burst of reports over many images, some of them two uploads of one
 * picture (near-duplicates whose reports count together): exactly one auto-block per image over the threshold,
 * every stored score equal to a fresh recount, no outbox row left open and no job failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateImage } from '../../src/evaluation/evaluate-image.js';
import { distinctPicture } from '../helpers/images.js';
import { auditActions, imageRecord } from '../helpers/records.js';
import { evaluationsSettled, startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ env: { RATE_LIMIT_READER: 'none', EVALUATE_CONCURRENCY: '8' } });
});
afterAll(() => service.close());

describe('evaluation batches under a burst of reports', () => {
  it('when readers report many images at once, copies among them, then each image over the threshold is blocked once and every score is a recount', async () => {
    const pictures = await Promise.all(Array.from({ length: 5 }, (_, i) => distinctPicture(9_100 + i)));
    // Two uploads of each picture: a report on either counts for both.
    const images: { id: string; picture: number }[] = [];
    for (const [picture, bytes] of pictures.entries()) {
      for (let copy = 0; copy < 2; copy++) images.push({ id: await service.uploadProcessed(bytes), picture });
    }
    await evaluationsSettled(service);
    // Pictures 0–2: two readers on each copy (4 in all: over the threshold of 3); pictures 3–4: one on each (2: under).
    const reports = images.flatMap(({ id, picture }, i) =>
      Array.from({ length: picture < 3 ? 2 : 1 }, (_, r) => () => service.report(id, `burst-${i}-${r}`)),
    );
    const answers = await Promise.all(reports.map((send) => send()));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 202));
    await evaluationsSettled(service);

    for (const { id, picture } of images) {
      const actions = (await auditActions(service, id)).filter((action) => action !== 'processed');
      expect(actions, `image of picture ${picture}`).toEqual(picture < 3 ? ['auto_block'] : []);
      expect(await service.status(id)).toBe(picture < 3 ? 'auto_blocked' : 'visible');
      const stored = (await imageRecord(service, id)).score;
      expect(stored).toBe((await evaluateImage(service.deps, id)).score);
    }
    const open = await service.deps.pool.query('SELECT 1 FROM outbox WHERE done_at IS NULL');
    expect(open.rowCount).toBe(0);
    expect(await service.deps.queues['evaluate-image'].getFailedCount()).toBe(0);
  });
});
