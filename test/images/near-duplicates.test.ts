/**
 * Near-duplicate blocking and reports across near-duplicates, through HTTP and the worker against the real
 * PostgreSQL and Redis. Moderators block and restore through the decision API, which fills and empties
 * their hash bank.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { evaluationsSettled, fixture, startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { auditEvents, outboxDoneFor } from '../helpers/records.js';
import { distinctPicture } from '../helpers/images.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

/** Uploads bytes and waits until the worker has processed them; returns the id. */
async function uploadBytes(bytes: Buffer, uploader = 'uploader'): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'copy.jpg');
  const response = await service.request('/v1/images', { method: 'POST', body: form, as: uploader });
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: string };
  await waitFor(async () => (await service.status(id)) !== 'processing');
  return id;
}

/** A re-upload that differs from the original in every byte: half the size, 10% brighter, JPEG q60. */
async function reencoded(name: string): Promise<Buffer> {
  const original = sharp(await fixture(name), { autoOrient: true });
  const { width } = await original.metadata();
  return original
    .resize(Math.round(width / 2))
    .modulate({ brightness: 1.1 })
    .jpeg({ quality: 60 })
    .toBuffer();
}

/** A moderator's decision through the API. */
async function decide(id: string, action: 'uphold' | 'restore') {
  const response = await service.request(`/v1/moderation/images/${id}/decision`, {
    method: 'POST',
    as: 'mod-nd',
    role: 'moderator',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action }),
  });
  expect(response.status).toBe(200);
}

describe('near-duplicate blocking', () => {
  it('when a re-encoded copy of a moderator-blocked photo is uploaded, then it is auto-blocked with an event naming the photo and the distance', async () => {
    const blocked = await service.uploadProcessed('real/Landscape_6.jpg');
    await decide(blocked, 'uphold');
    const copy = await uploadBytes(await reencoded('real/Landscape_6.jpg'));
    expect(await service.status(copy)).toBe('auto_blocked');
    const [event] = await auditEvents(service, copy);
    expect(event).toMatchObject({
      action: 'near_duplicate_block',
      toStatus: 'auto_blocked',
      details: { rule: 'auto_block', bank: 'moderators', matchedImageId: blocked, maxDistance: 15 },
    });
    // Which of the copy's hashes met which stored one: the picture's own, or the same crop of both.
    expect(event!.details.queryKind).toBe(event!.details.entryKind);
    expect(event!.details.distance).toBeLessThanOrEqual(15);
    expect(event!.details.bankEntryId).toEqual(expect.any(String));
    expect(event!.reason).toContain(blocked);
    expect((await service.request(`/i/${copy}`)).status).toBe(410);
  });

  it('when the blocked photo is restored, then a new copy is visible again (restoring empties the bank of it)', async () => {
    const original = await service.uploadProcessed('real/Portrait_8.jpg');
    await decide(original, 'uphold');
    expect(await service.status(await uploadBytes(await reencoded('real/Portrait_8.jpg')))).toBe('auto_blocked');
    await decide(original, 'restore');
    expect(await service.status(await uploadBytes(await reencoded('real/Portrait_8.jpg')))).toBe('visible');
  });

  it('when the exact bytes of a blocked picture too plain to hash are uploaded again, then the copy is auto-blocked', async () => {
    const blocked = await service.uploadProcessed('real/flowers.jpeg'); // PDQ quality 40: below 50
    await decide(blocked, 'uphold');
    const copy = await service.uploadProcessed('real/flowers.jpeg');
    expect(await service.status(copy)).toBe('auto_blocked');
    expect((await auditEvents(service, copy))[0]).toMatchObject({
      action: 'near_duplicate_block',
      details: { matchedImageId: blocked, distance: 0 },
    });
    const plainVariant = await uploadBytes(await reencoded('real/flowers.jpeg'));
    expect(await service.status(plainVariant)).toBe('visible'); // no usable hash: only identical bytes are caught
  });

  it('when a different photo is uploaded while another is blocked, then it is visible', async () => {
    const blocked = await service.uploadProcessed('real/Channel_digital_image_CMYK_color.jpg');
    await decide(blocked, 'uphold');
    expect(await service.status(await service.uploadProcessed('real/sdr_cosmos12920_cicp1-13-6_yuv444_full_qp10.avif'))).toBe('visible');
  });

  it('when reports land on two copies of a photo, then they add up and both copies are auto-blocked', async () => {
    const first = await service.uploadProcessed('real/2569067123_aca715a2ee_o.jpg');
    const second = await uploadBytes(await reencoded('real/2569067123_aca715a2ee_o.jpg'));
    expect(await service.status(second)).toBe('visible');
    expect((await service.report(first, 'ana')).status).toBe(202);
    expect((await service.report(first, 'ben')).status).toBe(202);
    expect((await service.report(second, 'chloe')).status).toBe(202);
    await waitFor(async () => (await service.status(second)) === 'auto_blocked' && (await service.status(first)) === 'auto_blocked');
    const [block] = (await auditEvents(service, second)).filter((event) => event.action === 'auto_block');
    expect(block!.details).toMatchObject({ score: 3, reports: 3, nearDuplicateIds: [first] });
  });

  it('when one reader reports two copies of a photo, then the reader counts once', async () => {
    const first = await service.uploadProcessed('synthetic/valid-photo.jpg');
    const second = await uploadBytes(await reencoded('synthetic/valid-photo.jpg'));
    for (const id of [first, second]) expect((await service.report(id, 'dora')).status).toBe(202);
    expect((await service.report(second, 'eli')).status).toBe(202);
    await evaluationsSettled(service);
    expect([await service.status(first), await service.status(second)]).toEqual(['visible', 'visible']);
    expect((await service.report(first, 'fay')).status).toBe(202);
    await waitFor(async () => (await service.status(first)) === 'auto_blocked');
  });

  it('when several copies are evaluated at once, then all are blocked together without a failed (deadlocked) evaluation', async () => {
    // A picture of its own: a photo another test blocks would be caught by the moderators bank, not by evaluation.
    const original = await distinctPicture(31_337);
    const copies = [await uploadBytes(original)];
    for (const quality of [90, 80, 70, 60, 50]) copies.push(await uploadBytes(await sharp(original).jpeg({ quality }).toBuffer()));
    for (const id of copies) await outboxDoneFor(service, id);
    expect(
      (
        await service.request(`/v1/images/${copies[0]}/reports`, {
          method: 'POST',
          as: 'mod-nd',
          role: 'moderator',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'illegal' }),
        })
      ).status,
    ).toBe(202);
    await waitFor(async () => (await Promise.all(copies.map((id) => service.status(id)))).every((status) => status === 'auto_blocked'));
    const evaluations = (await service.deps.queues['evaluate-image'].getJobs(['completed', 'failed'])).filter((job) =>
      copies.includes(job.data.imageId),
    );
    const retried = evaluations.filter((job) => (job.stacktrace ?? []).length > 0).map((job) => job.stacktrace?.[0]);
    expect(retried).toEqual([]);
  });

  it('when a blocked photo under 512 px comes back shrunk to half and recompressed, then it is auto-blocked (both hashed at 512 px)', async () => {
    const blocked = await service.uploadProcessed('real/concert.jpg'); // 400×267: PDQ's own size would put the copy 24 bits away
    await decide(blocked, 'uphold');
    const original = await fixture('real/concert.jpg');
    const copy = await uploadBytes(await sharp(original).resize(200).jpeg({ quality: 60 }).toBuffer());
    expect(await service.status(copy)).toBe('auto_blocked');
    expect((await auditEvents(service, copy))[0]).toMatchObject({ action: 'near_duplicate_block', details: { matchedImageId: blocked } });
  });
});
