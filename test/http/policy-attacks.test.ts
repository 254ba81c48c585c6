/**
 * The attacks on the auto-block (report policy v2), live over HTTP against the real PostgreSQL and Redis: each
 * one failed against the previous policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anonymousReader,
  asReader,
  type JwksSite,
  NEWS_UPLOADER,
  newsToken,
  reportAs,
  signedSitesEnv,
  startJwksSite,
} from '../helpers/readers.js';
import { decideAs, evaluationsSettled, reportInTurn, startTestService, type TestService } from '../helpers/test-service.js';
import { ageDecisions, reportsOf } from '../helpers/records.js';

let service: TestService;
let jwks: JwksSite;
beforeAll(async () => {
  jwks = await startJwksSite();
  // The reader rate limits are out of the way: these tests are about the policy, not the limits.
  service = await startTestService({
    env: { TRUST_PROXY: 'loopback', SIGNED_READER_SITES: signedSitesEnv(jwks.url), RATE_LIMIT_READER: 'none', RATE_LIMIT_NETWORK: 'none' },
  });
});
afterAll(async () => {
  await service?.close();
  await jwks?.close();
});

const DAY_MS = 86_400_000;
let counter = 0;
/** A fresh /24 (IPv4) for each honest reader. */
const network = () => `10.${(++counter >> 8) & 255}.${counter & 255}.7`;
/** An aged signed account: created 200 + n × 37 days ago, so no two were created together. */
const aged = (sub: string, n: number) => newsToken({ sub, accountCreatedAt: new Date(Date.now() - (200 + n * 37) * DAY_MS) });
const fresh = (sub: string) => newsToken({ sub, accountCreatedAt: new Date(Date.now() - 3_600_000) });

interface AuditItem {
  action: string;
  details: Record<string, unknown>;
}

async function audit(imageId: string): Promise<AuditItem[]> {
  const response = await service.request(`/v1/moderation/audit?image=${imageId}`, { as: 'mod', role: 'moderator' });
  return ((await response.json()) as { items: AuditItem[] }).items;
}

/** Reports one at a time, each evaluated before the next: the order the attacks used. */
const oneByOne = (_imageId: string, reports: (() => Promise<Response>)[]) => reportInTurn(service, reports);
const decide = (imageId: string, action: string) => decideAs(service, imageId, action);

describe('report policy v2 under attack', () => {
  it('when three aged accounts with no history report from one network, then the picture stays up, flagged as a ring', async () => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    await oneByOne(
      id,
      [0, 1, 2].map((n) => async () => reportAs(service, id, { token: await aged(`ring-${n}-${id}`, n), ip: '198.51.100.20' })),
    );
    expect(await service.status(id)).toBe('visible');
    const flag = (await audit(id)).find((event) => event.action === 'suspected_brigade');
    expect(flag?.details).toMatchObject({ heldBack: true, demotedReaders: 3 });
    expect(flag?.details.signals).toEqual(expect.arrayContaining(['unproven_network', 'uncorroborated']));
    // Three honest readers elsewhere still block it.
    await oneByOne(
      id,
      [0, 1, 2].map((n) => async () => reportAs(service, id, { token: await aged(`honest-${n}-${id}`, n + 5), ip: network() })),
    );
    expect(await service.status(id)).toBe('auto_blocked');
    expect((await audit(id))[0]).toMatchObject({ action: 'auto_block', details: { basis: 'trusted', corroboration: 'quorum' } });
  });

  it('when accounts registered together report from several networks, then they are demoted as a batch', async () => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    const batch = new Date(Date.now() - 400 * DAY_MS);
    await oneByOne(
      id,
      [0, 1, 2].map(
        (n) => async () =>
          reportAs(service, id, {
            token: await newsToken({ sub: `batch-${n}-${id}`, accountCreatedAt: new Date(batch.getTime() + n * 60_000) }),
            ip: network(),
          }),
      ),
    );
    expect(await service.status(id)).toBe('visible');
    expect((await audit(id)).find((event) => event.action === 'suspected_brigade')?.details.signals).toEqual(
      expect.arrayContaining(['account_cluster']),
    );
  });

  it('when ten fresh accounts shield a picture first, then three ordinary readers still block it', async () => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    for (let n = 0; n < 10; n++)
      expect((await reportAs(service, id, { token: await fresh(`shield-${n}-${id}`), ip: network() }, 'other')).status).toBe(202);
    await evaluationsSettled(service);
    expect(await service.status(id)).toBe('visible');
    await oneByOne(
      id,
      [0, 1, 2].map((n) => async () => reportAs(service, id, { token: await aged(`reader-${n}-${id}`, n), ip: network() }, 'violence')),
    );
    expect(await service.status(id)).toBe('auto_blocked');
  });

  it('when four fresh accounts from one address choose illegal one by one, then nothing blocks', async () => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    await oneByOne(
      id,
      [0, 1, 2, 3].map(
        (n) => async () => reportAs(service, id, { token: await fresh(`illegal-${n}-${id}`), ip: '203.0.113.9' }, 'illegal'),
      ),
    );
    expect(await service.status(id)).toBe('visible');
  });

  it('when anonymous readers of twelve networks drip in one by one, then low-trust weight alone never blocks', async () => {
    const id = await service.uploadDistinct();
    await oneByOne(
      id,
      Array.from({ length: 12 }, () => async () => reportAs(service, id, await anonymousReader(service, network()), 'illegal')),
    );
    expect(await service.status(id)).toBe('visible');
    const held = (await audit(id)).filter((event) => event.action === 'suspected_brigade');
    expect(held.some((event) => event.details.heldBack === true)).toBe(true);
  });

  it('when anonymous readers share an ISP /48 but not a /56, then each household counts', async () => {
    const id = await service.uploadDistinct();
    for (const ip of ['2001:db8:77:100::1', '2001:db8:77:200::1', '2001:db8:77:200::2']) {
      expect((await reportAs(service, id, await anonymousReader(service, ip))).status).toBe(202);
    }
    await evaluationsSettled(service);
    expect((await reportsOf(service, id)).map((report) => report.weight)).toEqual([0.5, 0.5, 0]);
  });

  it('when a reader farms upholds on pictures that are already hidden, then their record does not change', async () => {
    const farmer = `farmer-${Date.now()}`;
    for (let n = 0; n < 4; n++) {
      const hidden = await service.uploadDistinct(NEWS_UPLOADER);
      await oneByOne(
        hidden,
        [0, 1, 2].map((k) => async () => reportAs(service, hidden, { token: await aged(`honest-${k}-${hidden}`, k), ip: network() })),
      );
      expect(await service.status(hidden)).toBe('auto_blocked');
      expect((await reportAs(service, hidden, { token: await aged(farmer, 9), ip: network() })).status).toBe(202);
      expect((await decide(hidden, 'uphold')).status).toBe(200);
    }
    const target = await service.uploadDistinct(NEWS_UPLOADER);
    const friend = `friend-${Date.now()}`;
    await oneByOne(target, [
      async () => reportAs(service, target, { token: await aged(farmer, 9), ip: network() }),
      async () => reportAs(service, target, { token: await aged(friend, 11), ip: network() }),
    ]);
    expect(await service.status(target)).toBe('visible');
    const stored = (await reportsOf(service, target)).find((report) => report.reporterId === `news:${farmer}`);
    expect(stored).toMatchObject({ weight: 1, proven: false });
  });

  it('when a reader is suppressed, then their receipts say until when, and a week later their reports count again', async () => {
    const reader = `careless-${Date.now()}`;
    const token = await aged(reader, 3);
    for (const action of ['uphold', 'uphold', 'uphold', 'uphold', 'uphold', 'uphold', 'restore', 'restore', 'restore', 'restore']) {
      const id = await service.uploadDistinct(NEWS_UPLOADER);
      expect((await reportAs(service, id, { token, ip: network() })).status).toBe(202);
      expect((await decide(id, action)).status).toBe(200);
    }
    const receipts = async () =>
      (await (await asReader(service, '/v1/me/reports', { token })).json()) as { standing: { suppressedUntil: string | null } };
    const until = new Date((await receipts()).standing.suppressedUntil!);
    expect(until.getTime() - Date.now()).toBeGreaterThan(6.9 * DAY_MS);
    const during = await service.uploadDistinct(NEWS_UPLOADER);
    expect((await reportAs(service, during, { token, ip: network() })).status).toBe(202);

    // A week passes.
    await ageDecisions(service, `news:${reader}`, 8);
    expect((await receipts()).standing.suppressedUntil).toBeNull();
    const after = await service.uploadDistinct(NEWS_UPLOADER);
    expect((await reportAs(service, after, { token, ip: network() })).status).toBe(202);
    expect((await reportsOf(service, [during, after])).map((report) => report.weight)).toEqual([0, 0.762]);
  }, 90_000); // twelve uploads and ten decisions: 18 s alone, over 30 s while the whole suite runs on 2 cores

  it("when first-party users report from one address, then their network is recorded but not watched: the operator's own tokens still block", async () => {
    const id = await service.uploadDistinct();
    await oneByOne(
      id,
      ['op-1', 'op-2', 'op-3'].map((user) => () => service.report(id, `${user}-${id}`)),
    );
    expect(await service.status(id)).toBe('auto_blocked');
    const reports = await reportsOf(service, id);
    expect(reports).toHaveLength(3);
    expect(reports.every((report) => /^[0-9a-f]{32}$/.test(report.guardNetworkHash ?? ''))).toBe(true);
  });
});
