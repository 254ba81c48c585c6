/**
 * findSiteAndNearDuplicates, an evaluation's reads in one round trip, answers exactly what findSite and
 * listNearDuplicates answer on their own (the site's timestamps as Dates, the copies by id); the batched reads
 * (findSitesAndNearDuplicates, listOpenReportsOfImages) answer for each image what it would be answered alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { findSiteAndNearDuplicates, findSitesAndNearDuplicates, listNearDuplicates } from '../../src/db/images.repository.js';
import { insertReportOnce, listOpenReports, listOpenReportsOfImages, type NewReport } from '../../src/db/reports.repository.js';
import { findSite } from '../../src/db/sites.repository.js';
import { imageRecord } from '../helpers/records.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service?.close());

describe('findSiteAndNearDuplicates', () => {
  it('when an image has copies, then the combined read equals findSite and listNearDuplicates', async () => {
    const first = await service.uploadProcessed('real/concert.jpg', 'reads-a');
    await service.uploadProcessed('real/concert.jpg', 'reads-b');
    await service.uploadProcessed('real/concert.jpg', 'reads-c');
    const { siteId } = await imageRecord(service, first);
    await service.deps.pool.query(`UPDATE sites SET breaker_tripped_at = now() WHERE id = $1`, [siteId]);
    const combined = await findSiteAndNearDuplicates(service.deps.pool, { imageId: first, siteId, maxDistance: 31 });
    expect(combined.copies.length).toBeGreaterThanOrEqual(2);
    expect(combined.copies).toEqual(await listNearDuplicates(service.deps.pool, first, 31));
    expect(combined.site).toEqual(await findSite(service.deps.pool, siteId));
    expect(combined.site!.breakerTrippedAt).toBeInstanceOf(Date);
    await service.deps.pool.query(`UPDATE sites SET breaker_tripped_at = NULL WHERE id = $1`, [siteId]);
  });

  it('when the site and the image are unknown, then the site is null and there are no copies', async () => {
    const combined = await findSiteAndNearDuplicates(service.deps.pool, {
      imageId: '00000000-0000-4000-8000-000000000000',
      siteId: 'no-such-site',
      maxDistance: 31,
    });
    expect(combined).toEqual({ site: null, copies: [] });
  });
});

describe('batched evaluation reads', () => {
  it('when three images are read together, then each gets its own site and copies, and an unknown one none', async () => {
    const a = await service.uploadProcessed('real/concert.jpg', 'batch-a');
    const b = await service.uploadProcessed('real/concert.jpg', 'batch-b');
    const other = await service.uploadProcessed('real/flowers.jpeg', 'batch-other');
    const unknown = randomUUID();
    const asked = await Promise.all(
      [a, b, other].map(async (imageId) => ({ imageId, siteId: (await imageRecord(service, imageId)).siteId })),
    );
    const batched = await findSitesAndNearDuplicates(service.deps.pool, [...asked, { imageId: unknown, siteId: 'no-such-site' }], 31);
    for (const { imageId, siteId } of asked) {
      expect(batched.get(imageId)).toEqual({
        site: await findSite(service.deps.pool, siteId),
        copies: await listNearDuplicates(service.deps.pool, imageId, 31),
      });
    }
    expect(batched.get(a)!.copies.map((copy) => copy.id)).toContain(b);
    expect(batched.get(other)!.copies.map((copy) => copy.id)).not.toContain(a);
    expect(batched.get(unknown)).toEqual({ site: null, copies: [] });
  });

  it("when copies share readers and a network, then each image's reports in a batch are those it gets alone", async () => {
    const uploaded = await Promise.all([1, 2, 3].map(() => service.upload('real/Landscape_6.jpg')));
    const [a, b, other] = (await Promise.all(uploaded.map(async (response) => ((await response.json()) as { id: string }).id))) as [
      string,
      string,
      string,
    ];
    const report = (imageId: string, reporterId: string, extra: Partial<NewReport> = {}) =>
      insertReportOnce(service.deps.pool, {
        id: randomUUID(),
        imageId,
        reporterId,
        reporterRole: 'reader',
        reason: 'spam',
        note: null,
        weight: 1,
        ...extra,
      });
    // Anonymous readers of one network on each copy: on each image its own reader keeps the weight.
    await report(a, 'anon-1', { reporterKind: 'anonymous', networkHash: 'net-1', weight: 0.5 });
    await report(b, 'anon-2', { reporterKind: 'anonymous', networkHash: 'net-1', weight: 0.5 });
    // One reader on both copies counts once, by the report on the image asked for.
    await report(a, 'both', { reason: 'violence' });
    await report(b, 'both', { reason: 'spam' });
    await report(other, 'someone');
    await report(other, 'someone-else', { reason: 'illegal' });
    const asked = [
      { imageId: a, nearDuplicateIds: [b] },
      { imageId: b, nearDuplicateIds: [a] },
      { imageId: other, nearDuplicateIds: [] },
      { imageId: randomUUID(), nearDuplicateIds: [] },
    ];
    const batched = await listOpenReportsOfImages(service.deps.pool, asked);
    for (const { imageId, nearDuplicateIds } of asked) {
      const alone = await listOpenReports(service.deps.pool, imageId, nearDuplicateIds);
      expect(batched.get(imageId) ?? []).toEqual(alone);
    }
    const weights = (imageId: string) =>
      batched
        .get(imageId)!
        .map((row) => `${row.reason}:${row.weight}`)
        .sort();
    expect(weights(a)).toEqual(['spam:0', 'spam:0.5', 'violence:1']);
    expect(weights(b)).toEqual(['spam:0', 'spam:0.5', 'spam:1']);
    expect(weights(other)).toEqual(['illegal:1', 'spam:1']);
    expect(batched.has(asked[3]!.imageId)).toBe(false);
  });
});
