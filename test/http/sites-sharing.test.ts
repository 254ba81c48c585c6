/**
 * What sites share: reports on near-duplicates count together within a site only, unless both sites opt in
 * (`poolReportsAcrossSites`); a blocked picture keeps copies out across sites that share the blocklist (the
 * default), and only within the site for one that does not (`shareBlocklist: false`).
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluationsSettled, startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { distinctPicture } from '../helpers/images.js';
import { freshNetwork, reportAs } from '../helpers/readers.js';
import { decide } from '../helpers/moderation.js';
import { imageRecord } from '../helpers/records.js';
import { asAdmin, createTestSite, siteReaderToken, testSite, type TestSite } from '../helpers/sites.js';

const alpha = testSite('alpha');
const beta = testSite('beta');
const gamma = testSite('gamma');

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ env: { TRUST_PROXY: 'loopback' } });
  await createTestSite(service, alpha);
  await createTestSite(service, beta);
  await createTestSite(service, gamma, { shareBlocklist: false });
});
afterAll(() => service?.close());

let seed = 9_000;
/** A fresh picture and a near-duplicate of it (re-encoded), as bytes. */
async function pictureAndCopy(): Promise<[Buffer, Buffer]> {
  const original = await distinctPicture(++seed);
  return [original, await sharp(original).jpeg({ quality: 70 }).toBuffer()];
}

/** A reader of `site` with an aged account of its own age, on a network of its own. */
async function reader(site: TestSite, sub: string, n: number) {
  return { token: await siteReaderToken(site, sub, 400 + n * 45), ip: freshNetwork() };
}

describe('near-duplicate report pooling', () => {
  it("when two sites hold copies of one picture, then each site's reports count on its own copies only, until both opt in", async () => {
    const [original, copy] = await pictureAndCopy();
    const onAlpha = await service.uploadProcessed(original, 'site:alpha');
    const onBeta = await service.uploadProcessed(copy, 'site:beta');
    for (const n of [0, 1]) expect((await reportAs(service, onAlpha, await reader(alpha, `a${n}-${onAlpha}`, n))).status).toBe(202);
    expect((await reportAs(service, onBeta, await reader(beta, `b0-${onBeta}`, 3))).status).toBe(202);
    await evaluationsSettled(service);
    expect((await imageRecord(service, onAlpha)).score).toBe(2);
    expect((await imageRecord(service, onBeta)).score).toBe(1);
    expect([await service.status(onAlpha), await service.status(onBeta)]).toEqual(['visible', 'visible']);

    for (const site of ['alpha', 'beta']) {
      expect((await asAdmin(service, `/v1/admin/sites/${site}`, { method: 'PATCH', body: { poolReportsAcrossSites: true } })).status).toBe(
        200,
      );
    }
    // The next evaluation pools them: alpha's two readers and beta's one reach the threshold of 3.
    expect((await reportAs(service, onBeta, await reader(beta, `b1-${onBeta}`, 5), 'other')).status).toBe(202);
    await waitFor(async () => (await service.status(onBeta)) === 'auto_blocked');
    for (const site of ['alpha', 'beta']) {
      await asAdmin(service, `/v1/admin/sites/${site}`, { method: 'PATCH', body: { poolReportsAcrossSites: false } });
    }
  });
});

describe('the shared blocklist', () => {
  it("when one site's readers auto-block its copy of another site's picture, then the other site's picture and later copies stay visible: only a moderator's uphold is shared", async () => {
    const [original, copy] = await pictureAndCopy();
    const onBeta = await service.uploadProcessed(original, 'site:beta');
    // Alpha's key (or whoever holds it) uploads a copy of beta's picture and has alpha's readers block it.
    const onAlpha = await service.uploadProcessed(copy, 'site:alpha');
    for (const n of [0, 1, 2]) expect((await reportAs(service, onAlpha, await reader(alpha, `x${n}-${onAlpha}`, n * 2))).status).toBe(202);
    await waitFor(async () => (await service.status(onAlpha)) === 'auto_blocked');
    await evaluationsSettled(service);
    expect(await service.status(onBeta)).toBe('visible');
    const later = await service.uploadProcessed(await sharp(original).jpeg({ quality: 80 }).toBuffer(), 'site:beta');
    expect(await service.status(later)).toBe('visible');
  });

  it("when a moderator upholds a site's picture, then another site's visible copy is blocked too, but not a site that keeps its blocklist apart", async () => {
    const [original, copy] = await pictureAndCopy();
    const onAlpha = await service.uploadProcessed(original, 'site:alpha');
    const onBeta = await service.uploadProcessed(copy, 'site:beta');
    const onGamma = await service.uploadProcessed(copy, 'site:gamma');
    expect((await decide(service, onAlpha, { action: 'uphold' })).status).toBe(200);
    await waitFor(async () => (await service.status(onBeta)) === 'auto_blocked');
    expect(await service.status(onGamma)).toBe('visible');
  });

  it('when a copy of a blocked picture is uploaded later, then it is blocked on a sharing site and not on one that keeps its blocklist apart', async () => {
    const [original, copy] = await pictureAndCopy();
    const blocked = await service.uploadProcessed(original, 'site:alpha');
    expect((await decide(service, blocked, { action: 'uphold' })).status).toBe(200);
    expect(await service.status(await service.uploadProcessed(copy, 'site:beta'))).toBe('auto_blocked');
    expect(await service.status(await service.uploadProcessed(copy, 'site:gamma'))).toBe('visible');
    // Within gamma itself, its own blocked pictures still keep copies out.
    const [gammaOriginal, gammaCopy] = await pictureAndCopy();
    const gammaBlocked = await service.uploadProcessed(gammaOriginal, 'site:gamma');
    expect((await decide(service, gammaBlocked, { action: 'uphold' })).status).toBe(200);
    expect(await service.status(await service.uploadProcessed(gammaCopy, 'site:gamma'))).toBe('auto_blocked');
    expect(await service.status(await service.uploadProcessed(gammaCopy, 'site:beta'))).toBe('visible');
  });
});
