/**
 * The attack, contained: one site's signing key in the wrong hands mints 30 readers (aged accounts,
 * each on a network of its own) and tries to auto-block ten of that site's images. The site's circuit breaker
 * lets SITE_BREAKER_FLOOR blocks through, then holds the rest for review (metric, audit and operator events);
 * the other site's images cannot even be reported. An admin's reset lets auto-blocks through again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAs, evaluationsSettled, startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { freshNetwork, reportAs } from '../helpers/readers.js';
import { asAdmin, createTestSite, siteReaderToken, testSite } from '../helpers/sites.js';
import { auditActions } from '../helpers/records.js';

const victim = testSite('victim');
const bystander = testSite('bystander');
const FLOOR = 3;

let service: TestService;
beforeAll(async () => {
  service = await startTestService({
    env: { TRUST_PROXY: 'loopback', SITE_BREAKER_FLOOR: String(FLOOR), SITE_BREAKER_FACTOR: '10' },
  });
  await createTestSite(service, victim);
  await createTestSite(service, bystander);
});
afterAll(() => service?.close());

/** A minted reader of the victim site: an aged account, created a month apart from the others, on its own network. */
async function minted(n: number): Promise<{ token: string; ip: string }> {
  return { token: await siteReaderToken(victim, `minted-${n}`, 400 + n * 30), ip: freshNetwork() };
}

describe('the per-site circuit breaker', () => {
  it('when 30 minted readers try to auto-block ten images of one site, then the breaker holds all but the floor and the other site is untouchable', async () => {
    const targets: string[] = [];
    for (let i = 0; i < 10; i++) targets.push(await service.uploadDistinct('site:victim'));
    const others = [await service.uploadDistinct('site:bystander'), await service.uploadDistinct('site:bystander')];
    const readers = await Promise.all(Array.from({ length: 30 }, (_, n) => minted(n)));

    // Three readers per image, image after image, as fast as the API answers.
    for (const [i, id] of targets.entries()) {
      for (const reader of readers.slice(i * 3, i * 3 + 3)) expect((await reportAs(service, id, reader, 'illegal')).status).toBe(202);
    }
    for (const id of others)
      for (const reader of readers.slice(0, 5)) expect((await reportAs(service, id, reader, 'illegal')).status).toBe(404);
    await evaluationsSettled(service);

    const statuses = await Promise.all(targets.map((id) => service.status(id)));
    expect(statuses.filter((status) => status === 'auto_blocked')).toHaveLength(FLOOR);
    expect(statuses.filter((status) => status === 'visible')).toHaveLength(10 - FLOOR);
    expect(await Promise.all(others.map((id) => service.status(id)))).toEqual(['visible', 'visible']);

    const held = targets.filter((_, i) => statuses[i] === 'visible');
    for (const id of held) expect(await auditActions(service, id)).toContain('site_breaker_held');
    const queue = await service.request('/v1/moderation/queue?state=reported&limit=100', { as: 'mod-1', role: 'moderator' });
    const queued = ((await queue.json()) as { items: { id: string; suspectedBrigade: boolean }[] }).items;
    for (const id of held) expect(queued.find((item) => item.id === id)).toMatchObject({ suspectedBrigade: true });

    const events = (await (await asAdmin(service, '/v1/admin/events')).json()) as { events: { action: string; target: string }[] };
    expect(events.events.filter((event) => event.action === 'site_breaker_tripped')).toEqual([
      expect.objectContaining({ action: 'site_breaker_tripped', target: 'victim' }),
    ]);
    const site = (await (await asAdmin(service, '/v1/admin/sites/victim')).json()) as {
      breaker: { open: boolean };
      lastHour: { autoBlocks: number; held: number; reports: number };
    };
    expect(site.breaker.open).toBe(true);
    expect(site.lastHour).toEqual({ reports: 30, autoBlocks: FLOOR, held: 10 - FLOOR });
    expect(((await (await asAdmin(service, '/v1/admin/sites/bystander')).json()) as { breaker: { open: boolean } }).breaker.open).toBe(
      false,
    );

    const metrics = await (await service.request('/metrics')).text();
    expect(metrics).toMatch(new RegExp(`imgmod_site_breaker_holds_total\\{site="victim"\\} ${10 - FLOOR}`));
    expect(metrics).toMatch(/imgmod_site_breaker_trips_total\{site="victim"\} 1/);
    expect(metrics).toMatch(new RegExp(`imgmod_site_auto_blocks_total\\{site="victim"\\} ${FLOOR}`));

    // The operator has looked: a reset closes the breaker, and the next report on a held image blocks it.
    expect((await asAdmin(service, '/v1/admin/sites/victim/breaker/reset', { method: 'POST' })).status).toBe(200);
    expect((await reportAs(service, held[0]!, await minted(99), 'illegal')).status).toBe(202);
    await waitFor(async () => (await service.status(held[0]!)) === 'auto_blocked');
  });

  it('when the auto-blocks of the week before were all restored by moderators, then they earn the site no higher limit: a drip of wrongful blocks does not ratchet the breaker open', async () => {
    const drip = testSite('drip');
    await createTestSite(service, drip);
    // A compromised key's week: 800 auto-blocks at about the floor rate, counted as they were made, then found
    // wrong by a moderator, who restores the picture.
    const past = await service.uploadDistinct('site:drip');
    await service.deps.pool.query(
      `INSERT INTO moderation_events (image_id, actor_id, action, from_status, to_status, reason, details, created_at)
       SELECT $1, NULL, 'auto_block', 'visible', 'auto_blocked', 'an earlier wrongful block', '{"rule":"total_score"}',
              date_trunc('minute', now()) - interval '2 hours' - g * interval '12 minutes'
       FROM generate_series(1, 800) AS g`,
      [past],
    );
    await service.deps.pool.query(
      `INSERT INTO site_auto_block_counts (site_id, minute, auto_blocks)
       SELECT 'drip', date_trunc('minute', created_at), count(*) FROM moderation_events WHERE image_id = $1 AND action = 'auto_block' GROUP BY 2`,
      [past],
    );
    await service.deps.pool.query(`UPDATE images SET status = 'auto_blocked' WHERE id = $1`, [past]);
    const usual = async () =>
      (
        await service.deps.pool.query<{ n: number }>(
          `SELECT sum(auto_blocks - overturned)::int AS n FROM site_auto_block_counts WHERE site_id = 'drip'`,
        )
      ).rows[0]!.n;
    expect(await usual()).toBe(800); // a limit of 47 an hour, were they right
    expect((await decideAs(service, past, 'restore')).status).toBe(200);
    expect(await usual()).toBe(0);

    const targets: string[] = [];
    for (let i = 0; i < FLOOR + 2; i++) targets.push(await service.uploadDistinct('site:drip'));
    for (const [i, id] of targets.entries()) {
      for (let r = 0; r < 3; r++) {
        const reader = { token: await siteReaderToken(drip, `drip-${i}-${r}`, 400 + (i * 3 + r) * 30), ip: freshNetwork() };
        expect((await reportAs(service, id, reader, 'illegal')).status).toBe(202);
      }
    }
    await evaluationsSettled(service);
    const statuses = await Promise.all(targets.map((id) => service.status(id)));
    expect(statuses.filter((status) => status === 'auto_blocked')).toHaveLength(FLOOR);
  });

  it("when a moderator reports a site's image while its breaker is open, then it is blocked: the breaker watches readers", async () => {
    const id = await service.uploadDistinct('site:bystander');
    await service.deps.pool.query(`UPDATE sites SET breaker_tripped_at = now() WHERE id = 'bystander'`);
    expect((await service.report(id, 'mod-2', { reason: 'illegal' })).status).toBe(404);
    const response = await service.request(`/v1/images/${id}/reports`, {
      method: 'POST',
      as: 'mod-2',
      role: 'moderator',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'illegal' }),
    });
    expect(response.status).toBe(202);
    await waitFor(async () => (await service.status(id)) === 'auto_blocked');
  });
});
