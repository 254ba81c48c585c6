/**
 * Reporters' track records through the API: a reader whose reports moderators often dismissed is suppressed,
 * one they often upheld weighs more (src/domain/trust.ts). Each test's reader is its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { reportsOf } from '../helpers/records.js';
import { decide, json, MOD, reportFor } from '../helpers/moderation.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

/** A reader id no other test uses. */
const freshReader = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

/** Gives a reader a track record by deciding reports on fresh images. */
async function trackRecord(reader: string, upheld: number, dismissed: number): Promise<void> {
  const outcomes = [...Array<string>(upheld).fill('uphold'), ...Array<string>(dismissed).fill('restore')];
  for (const outcome of outcomes) {
    const id = await service.uploadDistinct();
    await reportFor(service, id, reader);
    await reportFor(service, id, `${reader}-helper-a-${id}`);
    await reportFor(service, id, `${reader}-helper-b-${id}`);
    await waitFor(async () => (await service.status(id)) === 'auto_blocked');
    expect((await decide(service, id, { action: outcome })).status).toBe(200);
  }
}

describe('reporter trust', () => {
  it('when a reader was dismissed 3 times out of 10, then their new reports count 0 and they are shown as suppressed', async () => {
    const noisy = freshReader('noisy');
    await trackRecord(noisy, 7, 3);
    const id = await service.uploadDistinct();
    expect((await reportFor(service, id, noisy)).status).toBe(202);
    expect((await reportsOf(service, id)).map((report) => report.weight)).toEqual([0]);
    const detail = await json<{ reporters: { reporterId: string; suppressed: boolean; upheld: number; dismissed: number }[] }>(
      await service.request(`/v1/moderation/images/${id}`, MOD),
    );
    expect(detail.reporters).toEqual([expect.objectContaining({ reporterId: noisy, upheld: 7, dismissed: 3, suppressed: true })]);
  }, 90_000); // eleven uploads, each hashed (PDQ in 8 orientations and 18 crops) and decided, on a loaded machine

  it('when a reader was upheld 6 times out of 8, then their report weighs 1.25', async () => {
    const careful = freshReader('careful');
    await trackRecord(careful, 6, 2);
    const id = await service.uploadDistinct();
    await reportFor(service, id, careful);
    expect((await reportsOf(service, id)).map((report) => report.weight)).toEqual([1.25]);
  }, 90_000);
});
