/**
 * The site circuit breaker under batches of evaluations running at once, as two worker processes run them: no
 * more auto-blocks than the breaker's limit, the others held, and one trip event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSiteAutoBlocks, resetBreaker } from '../../src/db/sites.repository.js';
import { evaluateImages } from '../../src/evaluation/evaluate-image.js';
import { addReports, auditActions, imageRecord } from '../helpers/records.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: false });
});
afterAll(() => service.close());

async function imageWithReports(count: number): Promise<string> {
  const { id } = (await (await service.upload('real/concert.jpg')).json()) as { id: string };
  await addReports(service, id, count);
  return id;
}

describe('evaluation batches and the site circuit breaker', () => {
  it('when batches of one site run at once with room for three blocks, then three are blocked, the rest held, and the breaker trips once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await imageWithReports(3));
    const { siteId } = await imageRecord(service, ids[0]!);
    // Every block must count in the same minute's row.
    await waitFor(() => Promise.resolve(new Date().getSeconds() < 40));
    const before = await readSiteAutoBlocks(service.deps.pool, siteId);
    const deps = { ...service.deps, config: { ...service.deps.config, SITE_BREAKER_FLOOR: before.lastHour + 3 } };
    const trips = async () =>
      (await service.deps.pool.query(`SELECT 1 FROM operator_events WHERE action = 'site_breaker_tripped' AND target = $1`, [siteId]))
        .rowCount ?? 0;
    const tripsBefore = await trips();
    try {
      // Two "processes" with two batches each, over overlapping halves in different orders.
      const batches = [ids.slice(0, 4), ids.slice(4), ids.slice(2, 6).reverse(), [ids[7]!, ids[0]!, ids[3]!]];
      await Promise.all(batches.map((batch) => evaluateImages(deps, batch)));
      const actions = (await Promise.all(ids.map((id) => auditActions(service, id)))).map((list) =>
        list.filter((action) => action !== 'processed'),
      );
      expect(actions.filter((list) => list.includes('auto_block'))).toHaveLength(3);
      for (const list of actions) expect(list.length === 1 && ['auto_block', 'site_breaker_held'].includes(list[0]!)).toBe(true);
      expect((await readSiteAutoBlocks(service.deps.pool, siteId)).lastHour).toBe(before.lastHour + 3);
      expect((await trips()) - tripsBefore).toBe(1);
    } finally {
      await resetBreaker(service.deps.pool, siteId);
    }
  });
});
