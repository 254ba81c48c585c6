/**
 * Decisions that reach copies of a picture: an uphold auto-blocks near-duplicates and exact copies already up,
 * two upholds of copies at once do not deadlock, and a restore follows the picture to its re-uploads. Each test
 * uses a photo no other test in this file uploads, so one test's blocks never meet another's copies.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { auditEvents, reportsOf, scoreReaches } from '../helpers/records.js';
import { decide, reportFor } from '../helpers/moderation.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

describe('decisions on copies of a picture', () => {
  it('when a moderator upholds a block, then copies of the picture uploaded before it are auto-blocked too', async () => {
    const photo = await fixture('real/Landscape_6.jpg');
    const original = await service.uploadProcessed(photo);
    const copy = await service.uploadProcessed(await sharp(photo).rotate().jpeg({ quality: 70 }).toBuffer());
    expect(await service.status(copy)).toBe('visible');
    expect((await decide(service, original, { action: 'uphold' })).status).toBe(200);
    expect(await service.status(copy)).toBe('auto_blocked');
    expect((await auditEvents(service, copy)).at(-1)).toMatchObject({
      action: 'near_duplicate_block',
      details: { matchedImageId: original },
    });
  });

  it('when two moderators uphold two copies of one picture at once, then both succeed (no deadlock 500)', async () => {
    const a = await service.uploadProcessed('synthetic/valid-photo.jpg');
    const b = await service.uploadProcessed('synthetic/huge-exif.jpg'); // the same scene, 2 bits apart
    const [first, second] = await Promise.all([
      decide(service, a, { action: 'uphold' }, 'mod-a'),
      decide(service, b, { action: 'uphold' }, 'mod-b'),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await Promise.all([service.status(a), service.status(b)])).toEqual(['blocked', 'blocked']);
  });

  it('when a moderator upholds a picture too plain to hash, then its exact copies already up are auto-blocked too', async () => {
    const first = await service.uploadProcessed('real/Flag_of_the_Netherlands-16bit.png', 'uploader-1');
    const second = await service.uploadProcessed('real/Flag_of_the_Netherlands-16bit.png', 'uploader-2');
    expect(await service.status(second)).toBe('visible');
    expect((await decide(service, first, { action: 'uphold' })).status).toBe(200);
    expect(await service.status(second)).toBe('auto_blocked');
  });

  it('when a restored picture is uploaded again, then its dismissed readers count 0 on the copy and the doubled threshold still applies', async () => {
    const photo = await fixture('real/concert.jpg');
    const original = await service.uploadProcessed(photo);
    const readers = ['r31', 'r32', 'r33'].map((name) => `${name}-${original}`);
    for (const reader of readers) await reportFor(service, original, reader);
    await waitFor(async () => (await service.status(original)) === 'auto_blocked');
    expect((await decide(service, original, { action: 'restore' })).status).toBe(200);

    const copy = await service.uploadProcessed(await sharp(photo).jpeg({ quality: 60 }).toBuffer());
    expect(await service.status(copy)).toBe('visible');
    for (const reader of readers) expect((await reportFor(service, copy, reader)).status).toBe(202);
    expect((await reportsOf(service, copy)).map((report) => report.weight)).toEqual([0, 0, 0]);
    for (let i = 0; i < 4; i++) await reportFor(service, copy, `new-${copy}-${i}`);
    await scoreReaches(service, copy, 4);
    expect(await service.status(copy)).toBe('visible'); // 4 < 2 × 3
  });
});
