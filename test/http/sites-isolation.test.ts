/**
 * Two sites on one deployment: neither site's readers (signed or anonymous) nor its API key can see, report or
 * block the other's images, on every reader and site-key route; another site's image answers exactly as a
 * missing one. Moderators see every site's images; serving stays public.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { anonymousReader, asReader, freshNetwork, reportAs } from '../helpers/readers.js';
import { answerOf, asAdmin, createTestSite, siteReaderToken, testSite } from '../helpers/sites.js';
import { reportsOf } from '../helpers/records.js';

const alpha = testSite('alpha');
const beta = testSite('beta');
const MISSING = '00000000-0000-4000-8000-000000000000';

let service: TestService;
const images: { alpha: string; beta: string; first: string } = { alpha: '', beta: '', first: '' };

beforeAll(async () => {
  service = await startTestService({ env: { TRUST_PROXY: 'loopback', ANONYMOUS_REPORTS: 'on' } });
  await createTestSite(service, alpha);
  await createTestSite(service, beta);
  images.alpha = await service.uploadDistinct('site:alpha');
  images.beta = await service.uploadDistinct('site:beta');
  images.first = await service.uploadDistinct('first-party-uploader');
});
afterAll(() => service?.close());

const missingReport = async (reader: Parameters<typeof reportAs>[2]) => answerOf(await reportAs(service, MISSING, reader));

describe('two sites on one deployment', () => {
  it("when a site's signed reader reports the other site's image, then the answer is the missing image's, and nothing is stored", async () => {
    const token = await siteReaderToken(alpha, 'ann');
    const refused = await answerOf(await reportAs(service, images.beta, { token, ip: freshNetwork() }));
    expect(refused).toEqual(await missingReport({ token, ip: freshNetwork() }));
    expect(refused.status).toBe(404);
    expect(await answerOf(await reportAs(service, images.first, { token, ip: freshNetwork() }))).toEqual(refused);
    expect(await reportsOf(service, [images.beta, images.first])).toEqual([]);
    expect((await reportAs(service, images.alpha, { token, ip: freshNetwork() })).status).toBe(202);
  });

  it("when a site's anonymous reader reports the other site's image, then 404 as if it did not exist; its own site's is accepted", async () => {
    const reader = await anonymousReader(service, freshNetwork(), alpha.origin);
    expect(reader.cookie).toMatch(/^imgmod_reader_alpha=/);
    const refused = await answerOf(await reportAs(service, images.beta, reader));
    expect(refused).toEqual(await missingReport(reader));
    expect((await reportAs(service, images.alpha, reader)).status).toBe(202);
  });

  it("when the other site's image is locked by a change in progress, then a site's anonymous reader still gets the missing image's answer at once: it takes no lock on it", async () => {
    const reader = await anonymousReader(service, freshNetwork(), alpha.origin);
    const holder = await service.deps.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM images WHERE id = $1 FOR UPDATE', [images.beta]);
      const started = Date.now();
      expect(await answerOf(await reportAs(service, images.beta, reader))).toEqual(await missingReport(reader));
      // Well under DB_LOCK_TIMEOUT_MS (2 s): the answer did not wait for the lock, so it tells nothing of it.
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  });

  it("when a site's anonymous cookie is sent from the other site's page, then it is no reader there (the cookie is per site)", async () => {
    const reader = await anonymousReader(service, freshNetwork(), alpha.origin);
    const replayed = await reportAs(service, images.beta, { ...reader, origin: beta.origin });
    expect(replayed.status).toBe(401);
    const receipts = await asReader(service, '/v1/me/reports', { ...reader, origin: beta.origin });
    expect(receipts.status).toBe(401);
  });

  it("when a first-party reader reports a site's image, then 404: first-party readers act on the default site", async () => {
    const refused = await answerOf(await service.report(images.alpha, 'first-party-reader'));
    expect(refused).toEqual(await answerOf(await service.report(MISSING, 'first-party-reader')));
    expect((await service.report(images.first, 'first-party-reader')).status).toBe(202);
  });

  it("when a site's API key reads the other site's image record, then 404 as if it did not exist; its own answers", async () => {
    const key = await service.siteKey('alpha');
    const get = (id: string) => service.request(`/v1/images/${id}`, { headers: { authorization: `Bearer ${key}` } });
    const own = await get(images.alpha);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ id: images.alpha, siteId: 'alpha', uploaderId: 'site:alpha' });
    expect(await answerOf(await get(images.beta))).toEqual(await answerOf(await get(MISSING)));
    expect((await get(images.first)).status).toBe(404);
  });

  it("when a site's API key lists images, then only its own come back, page by page, whatever ?site= says", async () => {
    const key = await service.siteKey('beta');
    const more = [await service.uploadDistinct('site:beta'), await service.uploadDistinct('site:beta')];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2&site=alpha${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await service.request(`/v1/images${query}`, { headers: { authorization: `Bearer ${key}` } });
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: { id: string; siteId: string }[]; nextCursor: string | null };
      expect(page.items.every((item) => item.siteId === 'beta')).toBe(true);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...more].reverse().concat(images.beta));
  });

  it('when a first-party reader lists images, then 403; a moderator lists any site’s', async () => {
    expect((await service.request('/v1/images', { as: 'someone' })).status).toBe(403);
    const listed = await service.request('/v1/images?site=alpha', { as: 'mod-1', role: 'moderator' });
    const ids = ((await listed.json()) as { items: { id: string }[] }).items.map((item) => item.id);
    expect(ids).toContain(images.alpha);
    expect(ids).not.toContain(images.beta);
  });

  it("when the widget of a site asks which images are hidden, then the other site's images are left out like unknown ids", async () => {
    const ids = [images.alpha, images.beta, images.first, MISSING].join(',');
    const fromAlpha = await asReader(service, `/v1/visibility?ids=${ids}`, { origin: alpha.origin });
    expect(fromAlpha.status).toBe(200);
    expect(await fromAlpha.json()).toEqual({ images: { [images.alpha]: 'visible' } });
    const fromBeta = await asReader(service, `/v1/visibility?ids=${ids}`, { origin: beta.origin });
    expect(await fromBeta.json()).toEqual({ images: { [images.beta]: 'visible' } });
    const firstParty = await asReader(service, `/v1/visibility?ids=${ids}`, {});
    expect(await firstParty.json()).toEqual({ images: { [images.first]: 'visible' } });
  });

  it("when a reader asks for their receipts, then they list only that reader's reports on their own site", async () => {
    const token = await siteReaderToken(beta, 'bob');
    expect((await reportAs(service, images.beta, { token, ip: freshNetwork() })).status).toBe(202);
    const receipts = (await (await asReader(service, '/v1/me/reports', { token })).json()) as {
      readerId: string;
      reports: { imageId: string }[];
    };
    expect(receipts.readerId).toBe('beta:bob');
    expect(receipts.reports.map((report) => report.imageId)).toEqual([images.beta]);
  });

  it("when a first-party user asks why a site's image is hidden, or appeals it, then 404 as for a missing image", async () => {
    for (const path of ['moderation', 'appeal']) {
      const method = path === 'appeal' ? 'POST' : 'GET';
      const init = {
        method,
        as: 'first-party-uploader',
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{"message":"mine"}' } : {}),
      };
      const refused = await answerOf(await service.request(`/v1/images/${images.alpha}/${path}`, init));
      expect(refused).toEqual(await answerOf(await service.request(`/v1/images/${MISSING}/${path}`, init)));
    }
  });

  it("when the other site's readers gang up on an image, then they cannot block it; its own readers can", async () => {
    const target = await service.uploadDistinct('site:alpha');
    for (const sub of ['m1', 'm2', 'm3', 'm4']) {
      expect((await reportAs(service, target, { token: await siteReaderToken(beta, sub), ip: freshNetwork() })).status).toBe(404);
    }
    expect(await service.status(target)).toBe('visible');
    // Accounts created months apart: accounts created together would be a batch (ACCOUNT_CLUSTER_WINDOW).
    for (const [i, sub] of ['o1', 'o2', 'o3'].entries()) {
      const token = await siteReaderToken(alpha, `${sub}-${target}`, 400 + i * 90);
      expect((await reportAs(service, target, { token, ip: freshNetwork() })).status).toBe(202);
    }
    await expect.poll(() => service.status(target), { timeout: 60_000 }).toBe('auto_blocked');
  });

  it('when anyone asks for an image of any site at /i/:id, then it is served: serving is public', async () => {
    for (const id of [images.alpha, images.beta, images.first]) expect((await service.request(`/i/${id}`)).status).toBe(200);
  });

  it("when a moderator reads any site's image, then it answers with its site", async () => {
    for (const [site, id] of [
      ['alpha', images.alpha],
      ['beta', images.beta],
      ['default', images.first],
    ] as const) {
      const response = await service.request(`/v1/images/${id}`, { as: 'mod-1', role: 'moderator' });
      expect(await response.json()).toMatchObject({ id, siteId: site });
    }
  });

  it("when a moderator filters the reported queue by site, then only that site's images come, each naming its site", async () => {
    const token = await siteReaderToken(alpha, 'queue-reader');
    expect((await reportAs(service, images.alpha, { token, ip: freshNetwork() })).status).toBeLessThan(300);
    await service.report(images.first, 'queue-first-party');
    const page = async (site: string) => {
      const response = await service.request(`/v1/moderation/queue?state=reported&site=${site}`, { as: 'mod-1', role: 'moderator' });
      return ((await response.json()) as { items: { id: string; siteId: string }[] }).items;
    };
    await expect.poll(async () => (await page('alpha')).map((item) => item.id)).toContain(images.alpha);
    const alphaItems = await page('alpha');
    expect(alphaItems.every((item) => item.siteId === 'alpha')).toBe(true);
    const defaultItems = await page('default');
    expect(defaultItems.map((item) => item.id)).toContain(images.first);
    expect(defaultItems.map((item) => item.id)).not.toContain(images.alpha);
  });

  it('when an admin lists the sites, then default, alpha and beta are there, with no reader key secret', async () => {
    const response = await asAdmin(service, '/v1/admin/sites');
    const body = (await response.json()) as { sites: { id: string; readerKeys: unknown[] }[] };
    expect(body.sites.map((site) => site.id)).toEqual(['alpha', 'beta', 'default']);
    expect(JSON.stringify(body)).not.toContain(alpha.secret);
    expect(body.sites[0]!.readerKeys).toEqual([{ type: 'secret' }]);
  });
});
