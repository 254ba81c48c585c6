import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bumpSiteAutoBlocks, readSiteAutoBlocks, resetBreaker } from '../../src/db/sites.repository.js';
import { evaluateImage, evaluateImages } from '../../src/evaluation/evaluate-image.js';
import { processImage } from '../../src/images/process-image.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { addReports, auditActions, imageRecord, lockWaiters } from '../helpers/records.js';
import { countingPool } from '../helpers/counting-pool.js';
import { sparePort } from '../helpers/own-servers.js';
import { registerWebhookEndpoint } from '../../src/webhooks/endpoints.js';

let service: TestService;
beforeAll(async () => {
  // No workers: this file drives evaluateImage directly.
  service = await startTestService({ workers: false });
});
afterAll(() => service.close());

async function imageWithReports(count: number, report: Parameters<typeof addReports>[3] = {}): Promise<string> {
  const { id } = (await (await service.upload('real/concert.jpg')).json()) as { id: string };
  await addReports(service, id, count, report);
  return id;
}

/** Reports of a low-trust burst from one network: what the brigade guard holds back. */
const lowTrustBurst = (i: number) => ({
  reporterKind: 'anonymous' as const,
  lowTrust: true,
  weight: 0.5,
  networkHash: `net-${i}`,
  guardNetworkHash: 'one-network',
});

describe('evaluateImage', () => {
  it('when 12 evaluations of an image over the threshold run at once, then exactly one blocks it and one event is written', async () => {
    const id = await imageWithReports(3);
    const results = await Promise.all(Array.from({ length: 12 }, () => evaluateImage(service.deps, id)));
    expect(results.filter((result) => result.blocked)).toHaveLength(1);
    expect(results.every((result) => result.status === 'auto_blocked')).toBe(true);
    expect(await auditActions(service, id)).toEqual(['auto_block']);
  });

  it('when an image is still processing and reaches the threshold, then it is auto-blocked and processing it does not unblock it', async () => {
    const id = await imageWithReports(3);
    expect(await service.status(id)).toBe('processing');
    expect((await evaluateImage(service.deps, id)).blocked).toBe(true);
    expect(await processImage(service.deps, id)).toBe('auto_blocked');
    expect(await imageRecord(service, id)).toMatchObject({ status: 'auto_blocked', thumbnailKey: `thumbnails/${id}.webp` });
  });

  it('when the score is under the threshold, then nothing changes', async () => {
    const id = await imageWithReports(2);
    expect(await evaluateImage(service.deps, id)).toMatchObject({ blocked: false, score: 2, status: 'processing' });
  });

  it('when the image id is unknown, then the evaluation is a no-op', async () => {
    expect(await evaluateImage(service.deps, randomUUID())).toMatchObject({ blocked: false, status: null, score: 0 });
  });
});

describe('evaluateImages (a batch)', () => {
  it('when a batch mixes images under and over the threshold and an unknown id, then each ends as evaluateImage would end it', async () => {
    const [under, over, none, unknown] = [await imageWithReports(2), await imageWithReports(3), await imageWithReports(0), randomUUID()];
    const evaluations = await evaluateImages(service.deps, [under, over, none, unknown]);
    expect(evaluations.get(under)).toMatchObject({ blocked: false, score: 2, status: 'processing', decision: { block: false } });
    expect(evaluations.get(over)).toMatchObject({ blocked: true, score: 3, status: 'auto_blocked' });
    expect(evaluations.get(none)).toMatchObject({ blocked: false, score: 0, status: 'processing' });
    expect(evaluations.get(unknown)).toMatchObject({ blocked: false, score: 0, status: null });
    expect((await imageRecord(service, under)).score).toBe(2);
    expect(await imageRecord(service, over)).toMatchObject({ status: 'auto_blocked', score: 3 });
    expect(await auditActions(service, over)).toEqual(['auto_block']);
    expect(await auditActions(service, under)).toEqual([]);
  });

  it("when a batch auto-blocks three images of a site, then each block is one statement with its audit event and webhook delivery, and the site's counts are read and bumped once", async () => {
    const images = [await imageWithReports(3), await imageWithReports(3), await imageWithReports(3)];
    const { siteId } = await imageRecord(service, images[0]!);
    const loopbackAllowed = { ...service.deps, config: { ...service.deps.config, OUTBOUND_ALLOW_LOOPBACK: true } };
    const endpoint = await registerWebhookEndpoint(loopbackAllowed, {
      siteId,
      url: `http://127.0.0.1:${await sparePort()}/`,
      eventTypes: ['image.auto_blocked'],
    });
    await waitFor(() => Promise.resolve(new Date().getSeconds() < 50)); // the bump lands in the minute read before
    const before = await readSiteAutoBlocks(service.deps.pool, siteId);
    const counted = countingPool(service.deps.pool);
    try {
      const evaluations = await evaluateImages({ ...service.deps, pool: counted.pool }, images);
      expect([...evaluations.values()].map((evaluation) => evaluation.blocked)).toEqual([true, true, true]);
      // BEGIN, lock, sites and copies, reports, scores; one statement per block; the site's counts read and bumped;
      // COMMIT; then the relay's wake-up (the blocks' webhook deliveries).
      expect(counted.statements(), counted.texts.join('\n')).toBe(5 + 3 + 2 + 1 + 1);
      for (const id of images) {
        expect(await auditActions(service, id)).toEqual(['auto_block']);
        const event = await service.deps.pool.query(
          'SELECT from_status, to_status, reason, details FROM moderation_events WHERE image_id = $1',
          [id],
        );
        expect(event.rows[0]).toMatchObject({
          from_status: 'processing',
          to_status: 'auto_blocked',
          details: { rule: 'total_score', score: 3 },
        });
        const deliveries = await service.deps.pool.query<{ endpoint_id: string; event_id: string; event_type: string; payload: unknown }>(
          'SELECT endpoint_id, event_id, event_type, payload FROM webhook_deliveries WHERE image_id = $1',
          [id],
        );
        expect(deliveries.rows).toHaveLength(1);
        const [delivery] = deliveries.rows;
        expect(delivery?.event_id).toMatch(/^msg_[0-9a-f]{32}$/);
        expect({ ...delivery, event_id: null }).toEqual({
          endpoint_id: endpoint.id,
          event_id: null,
          event_type: 'image.auto_blocked',
          payload: {
            type: 'image.auto_blocked',
            timestamp: (delivery?.payload as { timestamp?: unknown }).timestamp,
            data: { imageId: id, status: 'auto_blocked', previousStatus: 'processing' },
          },
        });
        expect(Date.parse(String((delivery?.payload as { timestamp?: unknown }).timestamp))).toBeGreaterThan(Date.now() - 60_000);
      }
      expect((await readSiteAutoBlocks(service.deps.pool, siteId)).lastHour).toBe(before.lastHour + 3);
    } finally {
      await service.deps.pool.query('DELETE FROM webhook_endpoints WHERE id = $1', [endpoint.id]);
    }
  });

  it('when batches sharing images in other orders run at once, then none deadlocks and each image over the threshold is blocked once', async () => {
    const ids = [await imageWithReports(3), await imageWithReports(3), await imageWithReports(1), await imageWithReports(3)];
    const orders = [ids, [...ids].reverse(), [ids[2]!, ids[0]!, ids[3]!, ids[1]!], [ids[1]!, ids[3]!]];
    const batches = await Promise.all([...orders, ...orders].map((order) => evaluateImages(service.deps, order)));
    for (const id of [ids[0]!, ids[1]!, ids[3]!]) {
      expect(batches.filter((batch) => batch.get(id)?.blocked)).toHaveLength(1);
      expect(await auditActions(service, id)).toEqual(['auto_block']);
    }
    expect((await imageRecord(service, ids[2]!)).status).toBe('processing');
  });

  it('when a batch holds a burst of low-trust reports from one network, then the brigade is recorded as evaluateImage records it', async () => {
    const id = await imageWithReports(6, lowTrustBurst);
    const evaluations = await evaluateImages(service.deps, [await imageWithReports(1), id]);
    expect(evaluations.get(id)).toMatchObject({ blocked: false, brigadeHeld: true, decision: { rule: 'suspected_brigade' } });
    expect(await auditActions(service, id)).toEqual(['suspected_brigade']);
    expect(await imageRecord(service, id)).toMatchObject({ status: 'processing' });
  });

  it('when batches holding a low-trust burst run at once, then the image is flagged once and not blocked', async () => {
    const id = await imageWithReports(6, lowTrustBurst);
    const others = [await imageWithReports(1), await imageWithReports(2)];
    const orders = [
      [id, ...others],
      [others[1]!, id],
      [id, others[0]!],
      [...others, id],
    ];
    const batches = await Promise.all([...orders, ...orders].map((order) => evaluateImages(service.deps, order)));
    expect(batches.filter((batch) => batch.get(id)?.brigadeHeld)).toHaveLength(1);
    expect(batches.every((batch) => batch.get(id)?.blocked === false)).toBe(true);
    expect(await auditActions(service, id)).toEqual(['suspected_brigade']);
    expect(await imageRecord(service, id)).toMatchObject({ status: 'processing' });
  });

  it("when an image of a batch is blocked, then the jobs of its near-duplicates carry that image's request, not another's", async () => {
    const [blocked, copy] = [await imageWithReports(3), await imageWithReports(0)];
    for (const id of [blocked, copy]) await processImage(service.deps, id);
    const other = await imageWithReports(1);
    const requests: Record<string, string> = { [blocked]: 'request-of-the-block', [other]: 'request-of-another' };
    const newest = async () =>
      (await service.deps.pool.query<{ max: string }>('SELECT coalesce(max(id), 0) AS max FROM outbox')).rows[0]!.max;
    const before = await newest();
    const evaluations = await evaluateImages(service.deps, [other, blocked], (id) => requests[id] ?? null);
    expect(evaluations.get(blocked)).toMatchObject({ blocked: true });
    const rows = await service.deps.pool.query<{ request_id: string | null }>(
      `SELECT request_id FROM outbox WHERE image_id = $1 AND topic = 'evaluate-image' AND id > $2`,
      [copy, before],
    );
    expect(rows.rows.map((row) => row.request_id)).toEqual(['request-of-the-block']);
  });

  it('when a transaction holds one image of a batch and then asks for another, then the batch stops waiting and each image is evaluated on its own', async () => {
    const [over, under] = [await imageWithReports(3), await imageWithReports(1)];
    const [low, high] = [over, under].sort() as [string, string];
    const other = await service.deps.pool.connect();
    try {
      await other.query('BEGIN');
      // Only the batch may end the wait (BATCH_LOCK_WAIT_MS, well before PostgreSQL's deadlock check ends this one).
      await other.query(`SET LOCAL deadlock_timeout = '10min'`);
      await other.query('SELECT 1 FROM images WHERE id = $1 FOR NO KEY UPDATE', [high]);
      const batch = evaluateImages(service.deps, [over, under]); // locks low, then waits for high
      await waitFor(async () => (await lockWaiters(service)) > 0);
      await other.query('SELECT 1 FROM images WHERE id = $1 FOR NO KEY UPDATE', [low]);
      await other.query('COMMIT');
      const evaluations = await batch;
      expect(evaluations.get(over)).toMatchObject({ blocked: true, status: 'auto_blocked', score: 3 });
      expect(evaluations.get(under)).toMatchObject({ blocked: false, score: 1 });
      expect(await auditActions(service, over)).toEqual(['auto_block']);
    } finally {
      other.release();
    }
  });
});

describe('evaluateImage and the site circuit breaker', () => {
  it('when another auto-block of the site commits first and takes the last room, then the evaluation runs again and holds the image', async () => {
    const id = await imageWithReports(3);
    const { siteId } = await imageRecord(service, id);
    // Both this evaluation and the competing block must count in the same minute's row.
    await waitFor(() => Promise.resolve(new Date().getSeconds() < 50));
    const before = await readSiteAutoBlocks(service.deps.pool, siteId);
    // Room for exactly one more block this hour.
    const deps = { ...service.deps, config: { ...service.deps.config, SITE_BREAKER_FLOOR: before.lastHour + 1 } };
    const competitor = await service.deps.pool.connect();
    try {
      await competitor.query('BEGIN');
      await bumpSiteAutoBlocks(competitor, siteId); // counted, holding the minute's row, not committed yet
      const evaluation = evaluateImage(deps, id); // checks on the committed counts: allowed
      await waitFor(async () => (await lockWaiters(service)) > 0);
      await competitor.query('COMMIT'); // the competitor took the room: this evaluation's count goes over
      expect(await evaluation).toMatchObject({ blocked: false, breakerHeld: true, status: 'processing' });
      expect(await service.status(id)).toBe('processing');
      expect(await auditActions(service, id)).toEqual(['site_breaker_held']);
      expect((await readSiteAutoBlocks(service.deps.pool, siteId)).lastHour).toBe(before.lastHour + 1);
    } finally {
      competitor.release();
      await resetBreaker(service.deps.pool, siteId);
    }
  });

  it('when a batch holds two blocks of a site with room for one, then the batch runs again image by image: one blocked, one held', async () => {
    const [first, second] = [await imageWithReports(3), await imageWithReports(3)];
    const { siteId } = await imageRecord(service, first);
    expect((await imageRecord(service, second)).siteId).toBe(siteId);
    await waitFor(() => Promise.resolve(new Date().getSeconds() < 50));
    const before = await readSiteAutoBlocks(service.deps.pool, siteId);
    const deps = { ...service.deps, config: { ...service.deps.config, SITE_BREAKER_FLOOR: before.lastHour + 1 } };
    try {
      const evaluations = await evaluateImages(deps, [first, second]);
      const outcomes = [evaluations.get(first)!, evaluations.get(second)!];
      expect(outcomes.filter((evaluation) => evaluation.blocked)).toHaveLength(1);
      expect(outcomes.filter((evaluation) => evaluation.breakerHeld)).toHaveLength(1);
      const actions = [...(await auditActions(service, first)), ...(await auditActions(service, second))].sort();
      expect(actions).toEqual(['auto_block', 'site_breaker_held']);
      expect((await readSiteAutoBlocks(service.deps.pool, siteId)).lastHour).toBe(before.lastHour + 1);
    } finally {
      await resetBreaker(service.deps.pool, siteId);
    }
  });
});
