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

  it("when the widget asks by external id with its site, then it learns its own site's images only, and a page of another site is refused", async () => {
    const externalOf = { alpha: 'photo-alpha', beta: 'photo-beta', blocked: 'photo-alpha-blocked' };
    const blocked = await service.uploadDistinct('site:alpha');
    const register = (id: string, externalId: string) =>
      service.deps.pool.query('UPDATE images SET external_id = $2 WHERE id = $1', [id, externalId]);
    await register(images.alpha, externalOf.alpha);
    await register(images.beta, externalOf.beta);
    await register(blocked, externalOf.blocked);
    await service.deps.pool.query("UPDATE images SET status = 'auto_blocked' WHERE id = $1", [blocked]);
    // beta registered the same external id as alpha: external ids are each site's own.
    const betaTwin = await service.uploadDistinct('site:beta');
    await register(betaTwin, externalOf.blocked);

    const asked = [externalOf.alpha, externalOf.beta, externalOf.blocked, 'never-registered', 'a,b & c']
      .map((externalId) => `externalId=${encodeURIComponent(externalId)}`)
      .join('&');
    const expected = {
      images: {},
      externalIds: {
        [externalOf.alpha]: { id: images.alpha, visibility: 'visible' },
        [externalOf.blocked]: { id: blocked, visibility: 'hidden' },
      },
    };
    const fromAlpha = await asReader(service, `/v1/visibility?${asked}&site=alpha`, { origin: alpha.origin });
    expect(fromAlpha.status).toBe(200);
    expect(await fromAlpha.json()).toEqual(expected);
    // The Origin alone names the site; a server without an Origin names it with ?site=.
    expect(await (await asReader(service, `/v1/visibility?${asked}`, { origin: alpha.origin })).json()).toEqual(expected);
    expect(await (await asReader(service, `/v1/visibility?${asked}&site=alpha`, {})).json()).toEqual(expected);
    const fromBeta = await asReader(service, `/v1/visibility?${asked}`, { origin: beta.origin });
    expect(await fromBeta.json()).toEqual({
      images: {},
      externalIds: {
        [externalOf.beta]: { id: images.beta, visibility: 'visible' },
        [externalOf.blocked]: { id: betaTwin, visibility: 'visible' },
      },
    });
    // Ids and external ids together, each checked against the page's site.
    const both = await asReader(service, `/v1/visibility?ids=${images.alpha},${images.beta}&externalId=${externalOf.alpha}`, {
      origin: alpha.origin,
    });
    expect(await both.json()).toEqual({
      images: { [images.alpha]: 'visible' },
      externalIds: { [externalOf.alpha]: { id: images.alpha, visibility: 'visible' } },
    });

    // beta's page naming alpha: refused, so a site cannot read another's external ids from its pages.
    const mismatch = await asReader(service, `/v1/visibility?${asked}&site=alpha`, { origin: beta.origin });
    expect(mismatch.status).toBe(403);
    expect(((await mismatch.json()) as { error: { code: string } }).error.code).toBe('origin_not_allowed');
    // An unknown or malformed site, and no ids at all.
    expect(await (await asReader(service, `/v1/visibility?${asked}&site=nobody`, {})).json()).toEqual({ images: {}, externalIds: {} });
    for (const query of [
      'site=alpha',
      `externalId=${externalOf.alpha}&site=Alpha!`,
      'externalId=',
      `${'externalId=x&'.repeat(101)}site=alpha`,
    ]) {
      expect((await asReader(service, `/v1/visibility?${query}`, {})).status, query).toBe(400);
    }
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

  it("when a site's server asks why its image is hidden and appeals with its key, then it may; the other site's key gets 404 as for a missing image", async () => {
    const blocked = await service.uploadDistinct('site:alpha');
    await service.deps.pool.query("UPDATE images SET status = 'auto_blocked' WHERE id = $1", [blocked]);
    const withKey = (key: string, path: string, body?: unknown) =>
      service.request(path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const [alphaKey, betaKey] = [await service.siteKey('alpha'), await service.siteKey('beta')];

    const view = await withKey(alphaKey, `/v1/images/${blocked}/moderation`);
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ imageId: blocked, status: 'auto_blocked', mayAppeal: true, appeal: null });
    for (const path of [`/v1/images/${blocked}/moderation`, `/v1/images/${blocked}/appeal`]) {
      const body = path.endsWith('appeal') ? { message: 'not theirs' } : undefined;
      const refused = await answerOf(await withKey(betaKey, path, body));
      expect(refused, path).toEqual(await answerOf(await withKey(betaKey, path.replace(blocked, MISSING), body)));
      expect(refused.status, path).toBe(404);
    }
    const appeal = await withKey(alphaKey, `/v1/images/${blocked}/appeal`, { message: 'This is our photographer’s own picture.' });
    expect(appeal.status).toBe(201);
    const after = (await (await withKey(alphaKey, `/v1/images/${blocked}/moderation`)).json()) as { mayAppeal: boolean; appeal: unknown };
    expect(after).toMatchObject({ mayAppeal: false, appeal: { message: 'This is our photographer’s own picture.', outcome: null } });
    const queued = await service.request('/v1/moderation/queue?state=appealed&site=alpha', { as: 'mod-1', role: 'moderator' });
    expect(((await queued.json()) as { items: { id: string }[] }).items.map((item) => item.id)).toContain(blocked);
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
