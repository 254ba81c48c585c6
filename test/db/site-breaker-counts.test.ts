/**
 * The circuit breaker's per-minute counts (checkSiteBreaker, confirmSiteBreaker) on a real PostgreSQL: concurrent
 * auto-blocks of one site are counted one after the other (a raced one runs again), held ones are not counted, a week of history raises the
 * limit, and an admin's reset starts the hour afresh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/pool.js';
import { findSite, resetBreaker } from '../../src/db/sites.repository.js';
import { BreakerRaced, checkSiteBreaker, confirmSiteBreaker, type BreakerCheck } from '../../src/evaluation/site-breaker.js';
import { createTestSite, testSite } from '../helpers/sites.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: false });
});
afterAll(() => service?.close());

const config = { SITE_BREAKER_FLOOR: 5, SITE_BREAKER_FACTOR: 10, SITE_BREAKER_COOLDOWN_MS: 3_600_000 };

/**
 * One evaluation's part: the check, and for an allowed block its count as the last statement, in a transaction of
 * its own that commits; run again when it raced (as evaluateImage does).
 */
async function check(siteId: string): Promise<BreakerCheck> {
  for (;;) {
    try {
      return await withTransaction(service.deps.pool, async (client) => {
        const site = await findSite(client, siteId);
        const result = await checkSiteBreaker(client, config, site);
        if (result.allow) await confirmSiteBreaker(client, config, site);
        return result;
      });
    } catch (error) {
      if (!(error instanceof BreakerRaced)) throw error;
    }
  }
}

async function counted(siteId: string): Promise<number> {
  const result = await service.deps.pool.query<{ n: number }>(
    `SELECT coalesce(sum(auto_blocks), 0)::int AS n FROM site_auto_block_counts WHERE site_id = $1 AND minute > now() - interval '1 hour'`,
    [siteId],
  );
  return result.rows[0]!.n;
}

async function trips(siteId: string): Promise<number> {
  const result = await service.deps.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM operator_events WHERE action = 'site_breaker_tripped' AND target = $1`,
    [siteId],
  );
  return result.rows[0]!.n;
}

describe('the circuit breaker’s counts', () => {
  it('when twelve auto-blocks of one site are checked at once, then exactly the floor go through, one trips it, and only those are counted', async () => {
    const site = testSite('burst');
    await createTestSite(service, site);
    const checks = await Promise.all(Array.from({ length: 12 }, () => check(site.id)));
    expect(checks.filter((result) => result.allow)).toHaveLength(5);
    expect(checks.filter((result) => !result.allow && result.rule === 'trips' && result.tripped)).toHaveLength(1);
    expect(await trips(site.id)).toBe(1);
    expect(await counted(site.id)).toBe(5);

    // The breaker is open: held without a count, until an admin resets it; then the hour starts afresh.
    expect(await check(site.id)).toMatchObject({ allow: false, rule: 'open' });
    expect(await resetBreaker(service.deps.pool, site.id)).toBe(true);
    const afterReset = await Promise.all(Array.from({ length: 7 }, () => check(site.id)));
    expect(afterReset.filter((result) => result.allow)).toHaveLength(5);
    expect(await trips(site.id)).toBe(2);
    expect(await counted(site.id)).toBe(10);
  });

  it('when a site auto-blocked five images an hour all week, then its limit is ten times that', async () => {
    const site = testSite('busy');
    await createTestSite(service, site);
    await service.deps.pool.query(
      `INSERT INTO site_auto_block_counts (site_id, minute, auto_blocks)
       SELECT $1, date_trunc('minute', now()) - make_interval(hours => h), 5 FROM generate_series(1, 168) AS h`,
      [site.id],
    );
    expect(await check(site.id)).toEqual({ allow: true, limit: 50 });
  });

  it('when the breaker holds nothing, then other sites are counted apart', async () => {
    const [one, two] = [testSite('apart-one'), testSite('apart-two')];
    await createTestSite(service, one);
    await createTestSite(service, two);
    await Promise.all([...Array.from({ length: 5 }, () => check(one.id)), ...Array.from({ length: 5 }, () => check(two.id))]);
    expect(await check(one.id)).toMatchObject({ allow: false, rule: 'trips' });
    expect(await counted(two.id)).toBe(5);
  });
});
