/**
 * findSiteAndNearDuplicates, an evaluation's reads in one round trip, answers exactly what findSite and
 * listNearDuplicates answer on their own (the site's timestamps as Dates, the copies by id).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSiteAndNearDuplicates, listNearDuplicates } from '../../src/db/images.repository.js';
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
