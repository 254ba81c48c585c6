/**
 * One delivery attempt at a time, with no workers running: what is held, what is recorded, when a delivery is
 * retried or given up, and how a redelivery is queued.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/pool.js';
import {
  claimDueDeliveries,
  findDelivery,
  holdDelivery,
  listDeliveries,
  pruneFinishedDeliveries,
  setWebhookEndpointEnabled,
} from '../../src/db/webhooks.repository.js';
import { registerWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { enqueueImageEvent } from '../../src/webhooks/events.js';
import { attemptDelivery } from '../../src/webhooks/deliver-webhook.js';
import { redeliverWebhook } from '../../src/webhooks/redeliver.js';
import { sparePort } from '../helpers/own-servers.js';
import { changeSite, createSite } from '../../src/sites/manage-sites.js';
import { newSiteSchema } from '../../src/sites/site-settings.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: false, env: { OUTBOUND_ALLOW_LOOPBACK: 'true', WEBHOOK_RETRY_BASE_MS: '60000' } });
});
afterAll(() => service.close());

/** A site (a new id unless given) with one endpoint at `url` and two events about one image; returns the endpoint and its deliveries, oldest first. */
async function twoEvents(url: string, site = `site-${randomUUID()}`) {
  const endpoint = await registerWebhookEndpoint(service.deps, { siteId: site, url });
  const imageId = randomUUID();
  for (const type of ['image.auto_blocked', 'image.restored'] as const)
    await withTransaction(service.deps.pool, (client) => enqueueImageEvent(client, { imageId, siteId: site, type }));
  const deliveries = (await listDeliveries(service.deps.pool, { endpointId: endpoint.id, limit: 10 })).reverse();
  return { endpoint, first: deliveries[0]!, second: deliveries[1]! };
}

describe('a delivery attempt', () => {
  it('when an earlier delivery about the same image is open, then the later one is not attempted', async () => {
    const { first, second } = await twoEvents(`http://127.0.0.1:${await sparePort()}/`);
    expect(await attemptDelivery(service.deps, second.id)).toBe('skipped');
    expect(await attemptDelivery(service.deps, first.id)).toBe('retry');
    expect(await attemptDelivery(service.deps, second.id)).toBe('skipped');
    expect((await findDelivery(service.deps.pool, second.id))!.attempts).toBe(0);
  });

  it('when the endpoint is down, then the attempt is recorded and the next one scheduled after the backoff', async () => {
    const { first } = await twoEvents(`http://127.0.0.1:${await sparePort()}/`);
    const before = Date.now();
    expect(await attemptDelivery(service.deps, first.id, { random: () => 0 })).toBe('retry');
    const row = (await findDelivery(service.deps.pool, first.id))!;
    expect(row).toMatchObject({ attempts: 1, lastStatusCode: null, deliveredAt: null, failedAt: null });
    expect(row.lastError).toMatch(/^fetch_failed/);
    // Base 60 s, no jitter: half of it.
    expect(row.nextAttemptAt.getTime() - before).toBeGreaterThanOrEqual(29_000);
    // Not due yet: a second attempt now does nothing.
    expect(await attemptDelivery(service.deps, first.id)).toBe('skipped');
  });

  it('when the endpoint answers non-2xx past the give-up age, then the delivery is given up and the next one goes', async () => {
    const receiver = await startWebhookReceiver({ mode: 'fail' });
    try {
      const { first, second } = await twoEvents(receiver.url);
      const deps = { ...service.deps, config: { ...service.deps.config, WEBHOOK_GIVE_UP_AFTER_MS: 1 } };
      expect(await attemptDelivery(deps, first.id)).toBe('given_up');
      expect(await findDelivery(service.deps.pool, first.id)).toMatchObject({
        attempts: 1,
        lastStatusCode: 500,
        lastError: 'answered 500',
      });
      expect((await findDelivery(service.deps.pool, first.id))!.failedAt).not.toBeNull();
      receiver.mode = 'ok';
      expect(await attemptDelivery(deps, second.id)).toBe('delivered');
      expect(receiver.accepted().map((d) => d.event.type)).toEqual(['image.restored']);

      // Redelivering the given-up one queues a copy after every open delivery; it goes through.
      const copy = await redeliverWebhook(service.deps, first.id);
      expect(await attemptDelivery(service.deps, copy)).toBe('delivered');
      expect(receiver.accepted().map((d) => d.headers['webhook-id'])).toEqual([second.eventId, first.eventId]);
    } finally {
      await receiver.close();
    }
  });

  it('when the endpoint redirects, then the redirect is not followed and the attempt fails with its status', async () => {
    const target = await startWebhookReceiver();
    const redirecting = http.createServer((_req, res) => res.writeHead(307, { location: target.url }).end());
    redirecting.listen(0, '127.0.0.1');
    await once(redirecting, 'listening');
    try {
      const { first } = await twoEvents(`http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/`);
      expect(await attemptDelivery(service.deps, first.id)).toBe('retry');
      expect(await findDelivery(service.deps.pool, first.id)).toMatchObject({ lastStatusCode: 307, lastError: 'answered 307' });
      expect(target.requests).toEqual([]);
    } finally {
      redirecting.close();
      await target.close();
    }
  });

  it('when finished deliveries are older than the kept span, then pruning deletes them and keeps open ones', async () => {
    const { first, second } = await twoEvents(`http://127.0.0.1:${await sparePort()}/`);
    await service.deps.pool.query(`UPDATE webhook_deliveries SET delivered_at = now() - interval '31 days' WHERE id = $1`, [first.id]);
    await pruneFinishedDeliveries(service.deps.pool, 30 * 86_400_000);
    expect(await findDelivery(service.deps.pool, first.id)).toBeNull();
    expect(await findDelivery(service.deps.pool, second.id)).not.toBeNull();
  });

  it('when the endpoint is disabled, then its deliveries wait and are not held', async () => {
    const { endpoint, first } = await twoEvents(`http://127.0.0.1:${await sparePort()}/`);
    await setWebhookEndpointEnabled(service.deps.pool, { id: endpoint.id, enabled: false });
    expect(await holdDelivery(service.deps.pool, { id: first.id, holdMs: 1_000 })).toBeNull();
  });

  it('when an admin disables a site, then its endpoints get no new deliveries and their open ones wait until it is active again', async () => {
    const site = `site-${randomUUID()}`.slice(0, 40);
    await createSite(service.deps, { site: newSiteSchema.parse({ id: site, name: 'A site whose key leaked' }), adminId: null });
    const { endpoint, first } = await twoEvents(`http://127.0.0.1:${await sparePort()}/`, site);
    const claim = () => claimDueDeliveries(service.deps.pool, { limit: 200, redispatchAfterMs: 0, perEndpoint: 2, perSite: 2 });
    const claimed = async () => (await claim()).map((row) => row.id);
    await changeSite(service.deps, { id: site, changes: { status: 'disabled' }, adminId: null });

    // New events: no delivery is written for the disabled site's endpoint.
    await withTransaction(service.deps.pool, (client) =>
      enqueueImageEvent(client, { imageId: randomUUID(), siteId: site, type: 'image.auto_blocked' }),
    );
    expect(await listDeliveries(service.deps.pool, { endpointId: endpoint.id, limit: 10 })).toHaveLength(2);
    // Open ones are neither dispatched nor held (a job already queued is skipped unattempted).
    expect(await claimed()).not.toContain(first.id);
    expect(await holdDelivery(service.deps.pool, { id: first.id, holdMs: 1_000 })).toBeNull();

    await changeSite(service.deps, { id: site, changes: { status: 'active' }, adminId: null });
    expect(await claimed()).toContain(first.id);
    expect(await holdDelivery(service.deps.pool, { id: first.id, holdMs: 1_000 })).toMatchObject({ id: first.id });
  });

  it("when a site's endpoint is disabled with deliveries on the queue, then they no longer take the site's room from its other endpoints", async () => {
    const site = `site-${randomUUID()}`;
    const disabled = await registerWebhookEndpoint(service.deps, { siteId: site, url: `http://127.0.0.1:${await sparePort()}/` });
    for (let i = 0; i < 2; i++)
      await withTransaction(service.deps.pool, (client) =>
        enqueueImageEvent(client, { imageId: randomUUID(), siteId: site, type: 'image.visible' }),
      );
    const other = await registerWebhookEndpoint(service.deps, { siteId: site, url: `http://127.0.0.1:${await sparePort()}/` });
    await withTransaction(service.deps.pool, (client) =>
      enqueueImageEvent(client, { imageId: randomUUID(), siteId: site, type: 'image.visible' }),
    );
    const [waiting] = await listDeliveries(service.deps.pool, { endpointId: other.id, limit: 1 });
    const claim = () => claimDueDeliveries(service.deps.pool, { limit: 200, redispatchAfterMs: 300_000, perEndpoint: 2, perSite: 2 });

    // The site's two places go to the first endpoint's two deliveries; the other endpoint's waits its turn.
    expect((await claim()).map((row) => row.id)).not.toContain(waiting!.id);
    // Disabled, their jobs will be skipped unattempted: the room is the other endpoint's.
    await setWebhookEndpointEnabled(service.deps.pool, { id: disabled.id, enabled: false });
    expect((await claim()).map((row) => row.id)).toContain(waiting!.id);
  });

  it('when an endpoint URL is private, has credentials or is not http(s), then it cannot be registered', async () => {
    for (const url of ['http://10.0.0.1/hook', 'http://169.254.169.254/', 'https://user:pw@hooks.example/', 'ftp://hooks.example/']) {
      await expect(registerWebhookEndpoint(service.deps, { siteId: 'x', url })).rejects.toMatchObject({
        code: expect.stringMatching(/^url_/) as unknown,
      });
    }
  });
});
