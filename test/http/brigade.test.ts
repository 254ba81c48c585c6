import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anonymousReader,
  freshNetwork,
  type JwksSite,
  NEWS_ORIGIN,
  NEWS_UPLOADER,
  newsToken,
  reportAs,
  signedSitesEnv,
  startJwksSite,
} from '../helpers/readers.js';
import { evaluationsSettled, fixture, startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { imageRecord } from '../helpers/records.js';

let service: TestService;
let jwks: JwksSite;
beforeAll(async () => {
  jwks = await startJwksSite();
  service = await startTestService({ env: { TRUST_PROXY: 'loopback', SIGNED_READER_SITES: signedSitesEnv(jwks.url) } });
});
afterAll(async () => {
  await service?.close();
  await jwks?.close();
});

interface AuditItem {
  action: string;
  actor: string;
  fromStatus: string;
  toStatus: string;
  reason: string;
  details: Record<string, unknown>;
}

async function audit(imageId: string): Promise<AuditItem[]> {
  const response = await service.request(`/v1/moderation/audit?image=${imageId}`, { as: 'mod', role: 'moderator' });
  return ((await response.json()) as { items: AuditItem[] }).items;
}

async function reportedQueue(): Promise<{ id: string; suspectedBrigade: boolean; score: number }[]> {
  const response = await service.request('/v1/moderation/queue?state=reported', { as: 'mod', role: 'moderator' });
  return ((await response.json()) as { items: { id: string; suspectedBrigade: boolean; score: number }[] }).items;
}

describe('brigade guard', () => {
  it('when a burst of anonymous reports comes from one network, then the image is not blocked but flagged for a moderator', async () => {
    const id = await service.uploadDistinct();
    for (let i = 0; i < 6; i++) {
      expect((await reportAs(service, id, await anonymousReader(service, `203.0.113.${10 + i}`))).status).toBe(202);
    }
    await waitFor(async () => (await audit(id)).some((event) => event.action === 'suspected_brigade'));
    await evaluationsSettled(service);
    expect(await service.status(id)).toBe('visible');
    const events = await audit(id);
    const flags = events.filter((event) => event.action === 'suspected_brigade');
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      actor: 'system',
      fromStatus: 'visible',
      toStatus: 'visible',
      details: { heldBack: false, lowTrustScore: 0.5 },
    });
    expect(events.find((event) => event.action === 'suspected_brigade')!.reason).toMatch(
      /suspected brigade \(most of a burst's score from low-trust reporters\): \d reports within 60 min.*low-trust reporters/,
    );
    expect((await reportedQueue()).find((item) => item.id === id)).toMatchObject({ suspectedBrigade: true, score: 0.5 });

    // The moderator clears it: the reports are dismissed, the flag is gone, and the image stays up.
    const decision = await service.request(`/v1/moderation/images/${id}/decision`, {
      method: 'POST',
      as: 'mod',
      role: 'moderator',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'restore', expectedStatus: 'visible' }),
    });
    expect(await decision.json()).toMatchObject({ status: 'visible', closedReports: 6 });
    const restored = await service.request('/v1/moderation/queue?state=restored', { as: 'mod', role: 'moderator' });
    const items = ((await restored.json()) as { items: { id: string; suspectedBrigade: boolean }[] }).items;
    expect(items.find((item) => item.id === id)).toMatchObject({ suspectedBrigade: false });
  });

  it('when anonymous readers of six networks reach the threshold, then the block is held back; three signed readers then block it', async () => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    for (let i = 0; i < 6; i++) {
      expect((await reportAs(service, id, await anonymousReader(service, `198.51.${100 + i}.7`, NEWS_ORIGIN))).status).toBe(202);
    }
    await waitFor(async () => (await audit(id)).some((event) => event.action === 'suspected_brigade' && event.details.heldBack === true));
    await evaluationsSettled(service);
    expect(await service.status(id)).toBe('visible');
    expect((await audit(id)).find((event) => event.action === 'suspected_brigade')!.reason).toMatch(
      /threshold was reached but the image was not auto-blocked/,
    );

    for (const [i, sub] of ['ana', 'ben', 'chloe'].entries()) {
      expect((await reportAs(service, id, { token: await newsToken({ sub: `${sub}-${id}` }), ip: `203.0.${i}.1` })).status).toBe(202);
    }
    await waitFor(async () => (await service.status(id)) === 'auto_blocked');
    expect((await audit(id))[0]).toMatchObject({ action: 'auto_block', details: { rule: 'total_score', score: 6 } });
  });

  it('when three signed readers with established accounts report, then the image is auto-blocked', async () => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    const old = new Date('2019-05-01T00:00:00Z');
    for (const [i, sub] of ['dora', 'eli', 'fay'].entries()) {
      const accountCreatedAt = new Date(old.getTime() + i * 40 * 86_400_000);
      expect(
        (await reportAs(service, id, { token: await newsToken({ sub: `${sub}-${id}`, accountCreatedAt }), ip: `203.0.${i}.2` })).status,
      ).toBe(202);
    }
    await waitFor(async () => (await service.status(id)) === 'auto_blocked');
    expect((await audit(id)).map((event) => event.action)).toEqual(['auto_block', 'processed']);
  });

  it.each([
    { count: 4, accounts: 'new accounts', createdAt: new Date(Date.now() - 86_400_000), held: true },
    { count: 2, accounts: 'established accounts', createdAt: new Date('2019-05-01T00:00:00Z'), held: false },
  ])('when three anonymous readers and $count $accounts report in a burst, then held back is $held', async ({ count, createdAt, held }) => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    for (let i = 0; i < 3; i++)
      expect((await reportAs(service, id, await anonymousReader(service, freshNetwork(), NEWS_ORIGIN))).status).toBe(202);
    for (let i = 0; i < count; i++) {
      // Accounts created 20 minutes apart: accounts created together would be a batch (ACCOUNT_CLUSTER_WINDOW).
      const accountCreatedAt = new Date(createdAt.getTime() - i * 20 * 60_000);
      expect(
        (await reportAs(service, id, { token: await newsToken({ sub: `acct-${i}-${id}`, accountCreatedAt }), ip: `203.0.${i}.3` })).status,
      ).toBe(202);
    }
    await evaluationsSettled(service);
    // New accounts: 0.5 × 3 + 0.5 × 4 = 3.5, all of it low-trust. Established: 0.5 × 3 + 1 × 2 = 3.5, 1.5 low-trust.
    expect(await service.status(id)).toBe(held ? 'visible' : 'auto_blocked');
    expect((await audit(id)).some((event) => event.action === 'suspected_brigade' && event.details.heldBack === true)).toBe(held);
  });

  it('when one network reports four near-duplicate copies with fresh cookies, then it still counts once and blocks nothing', async () => {
    const original = await fixture('real/Portrait_8.jpg');
    const copies: string[] = [];
    for (const quality of [95, 85, 75, 65]) copies.push(await service.uploadProcessed(await sharp(original).jpeg({ quality }).toBuffer()));
    const network = freshNetwork(); // one /24 no other test reports from
    for (const [i, id] of copies.entries()) {
      expect((await reportAs(service, id, await anonymousReader(service, network.replace(/\d+$/, String(20 + i))), 'illegal')).status).toBe(
        202,
      );
    }
    await evaluationsSettled(service);
    expect(await Promise.all(copies.map((id) => service.status(id)))).toEqual(['visible', 'visible', 'visible', 'visible']);
    const scores = await Promise.all(copies.map(async (id) => (await imageRecord(service, id)).score));
    expect(scores).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('when three new accounts report, then they do not block alone: one person with several accounts is not a crowd', async () => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    const young = new Date(Date.now() - 3_600_000);
    for (const sub of ['n1', 'n2', 'n3'])
      expect((await reportAs(service, id, { token: await newsToken({ sub: `${sub}-${id}`, accountCreatedAt: young }) })).status).toBe(202);
    await evaluationsSettled(service);
    expect(await service.status(id)).toBe('visible');
  });
});
