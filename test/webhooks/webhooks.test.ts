/**
 * Webhook deliveries end to end: real status changes and reports, the relay, the deliver-webhook worker and real
 * HTTP receivers on 127.0.0.1 (OUTBOUND_ALLOW_LOOPBACK), every delivery verified with the reference library
 * `standardwebhooks`, which imgmod does not use itself.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wakeOutboxRelay } from '../../src/db/outbox.repository.js';
import { withTransaction } from '../../src/db/pool.js';
import { listDeliveries, type WebhookEndpointRow } from '../../src/db/webhooks.repository.js';
import type { WebhookEventType } from '../../src/domain/webhook-events.js';
import { registerWebhookEndpoint, rotateWebhookSecret } from '../../src/webhooks/endpoints.js';
import { enqueueImageEvent } from '../../src/webhooks/events.js';
import { redeliverWebhook } from '../../src/webhooks/redeliver.js';
import { decide } from '../helpers/moderation.js';
import { sparePort } from '../helpers/own-servers.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { startWebhookReceiver, type ReceivedDelivery, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let service: TestService;
const receivers: WebhookReceiver[] = [];
beforeAll(async () => {
  service = await startTestService({
    env: { OUTBOUND_ALLOW_LOOPBACK: 'true', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_TIMEOUT_MS: '20000', OUTBOX_POLL_MS: '100' },
  });
});
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close().catch(() => undefined)));
  await service.close();
});

async function receiver(options: Parameters<typeof startWebhookReceiver>[0] = {}): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(options);
  receivers.push(started);
  return started;
}

/** Waits until a condition on what receivers recorded holds. */
function until(check: () => boolean): Promise<boolean> {
  return waitFor(() => Promise.resolve(check()));
}

/** Verifies a delivery as a site would, with the reference library; returns the parsed payload. */
function verify(delivery: ReceivedDelivery, secret: string): unknown {
  return new Webhook(secret).verify(delivery.body, delivery.headers);
}

function endpointFor(siteId: string, url: string, eventTypes?: WebhookEventType[]): Promise<WebhookEndpointRow> {
  return registerWebhookEndpoint(service.deps, { siteId, url, ...(eventTypes ? { eventTypes } : {}) });
}

/** Records events about `imageId` for `siteId` in one transaction each, in order, and wakes the relay. */
async function emit(siteId: string, imageId: string, types: WebhookEventType[]): Promise<string[]> {
  const ids: string[] = [];
  for (const type of types) {
    const { eventId } = await withTransaction(service.deps.pool, (client) => enqueueImageEvent(client, { imageId, siteId, type }));
    ids.push(eventId);
  }
  wakeOutboxRelay(service.deps.pool);
  return ids;
}

describe('webhooks', () => {
  it('when an image is processed, reported and blocked, then the default site receives image.visible, report.created (opt-in) and image.blocked, each verifying with standardwebhooks', async () => {
    const all = await receiver();
    const statusOnly = await receiver();
    const withReports = await endpointFor('default', all.url, ['image.visible', 'image.blocked', 'report.created']);
    const defaults = await endpointFor('default', statusOnly.url);

    const id = await service.uploadProcessed('real/flowers.jpeg');
    expect((await service.report(id, `reader-${id}`)).status).toBe(202);
    expect((await decide(service, id, { action: 'uphold' })).status).toBe(200);

    const mine = (r: WebhookReceiver) => r.accepted().filter((d) => d.event.data.imageId === id);
    await until(() => mine(all).length === 3 && mine(statusOnly).length === 2);
    expect(mine(all).map((d) => d.event.type)).toEqual(['image.visible', 'report.created', 'image.blocked']);
    expect(mine(statusOnly).map((d) => d.event.type)).toEqual(['image.visible', 'image.blocked']);
    for (const delivery of mine(all)) expect(verify(delivery, withReports.secrets[0]!)).toEqual(JSON.parse(delivery.body));
    for (const delivery of mine(statusOnly)) verify(delivery, defaults.secrets[0]!);
    expect(mine(all)[2]!.event.data).toMatchObject({ imageId: id, status: 'blocked', previousStatus: 'visible' });
    expect(mine(all)[1]!.event.data).toMatchObject({ imageId: id, reason: 'spam' });
    // The delivery log records each attempt's outcome (once the answer is in: the receiver counts it a moment before).
    const recorded = async () =>
      (await listDeliveries(service.deps.pool, { endpointId: withReports.id, limit: 10 })).filter((row) => row.imageId === id);
    await waitFor(async () => (await recorded()).every((row) => row.deliveredAt));
    expect((await recorded()).map((row) => [row.lastStatusCode, row.attempts])).toEqual([
      [204, 1],
      [204, 1],
      [204, 1],
    ]);
  });

  it('when a secret is being rotated, then deliveries carry two signatures and verify with either secret alone', async () => {
    const site = `site-${randomUUID()}`;
    const target = await receiver();
    const endpoint = await rotateWebhookSecret(service.deps, (await endpointFor(site, target.url)).id);
    expect(endpoint.secrets).toHaveLength(2);
    await emit(site, randomUUID(), ['image.auto_blocked']);
    await until(() => target.accepted().length === 1);
    const [delivery] = target.accepted();
    expect(delivery!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of endpoint.secrets) expect(verify(delivery!, secret)).toMatchObject({ type: 'image.auto_blocked' });
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(delivery!.body, delivery!.headers)).toThrow();
  });

  it('when the receiver is down for a while, then every delivery arrives once it is up, in order per image, and no later one is tried before an earlier one', async () => {
    const site = `site-${randomUUID()}`;
    const port = await sparePort();
    const endpoint = await endpointFor(site, `http://127.0.0.1:${port}/hooks`);
    const image = randomUUID();
    const events = await emit(site, image, ['image.visible', 'image.auto_blocked', 'image.restored', 'image.blocked']);

    // Nobody listens: the first delivery fails and is retried with backoff; the later ones wait behind it.
    const deliveries = async () => (await listDeliveries(service.deps.pool, { endpointId: endpoint.id, limit: 10 })).reverse();
    await waitFor(async () => ((await deliveries())[0]!.attempts >= 3 ? true : undefined));
    const waiting = await deliveries();
    expect(waiting[0]!.lastError).toMatch(/fetch_failed/);
    expect(waiting.slice(1).map((row) => row.attempts)).toEqual([0, 0, 0]);

    // The receiver comes up, first failing with 500s, then accepting.
    const target = await receiver({ port, mode: 'fail' });
    await until(() => target.requests.length >= 2);
    target.mode = 'ok';
    await until(() => target.accepted().length === 4);
    expect(target.accepted().map((d) => d.headers['webhook-id'])).toEqual(events);
    // Every request before the last event was accepted concerned an event not yet accepted, in order.
    const firstTry = events.map((id) => target.requests.findIndex((d) => d.headers['webhook-id'] === id));
    const accepted = events.map((id) => target.requests.findIndex((d) => d.headers['webhook-id'] === id && d.answered === 204));
    for (let i = 1; i < events.length; i++) expect(firstTry[i]!).toBeGreaterThan(accepted[i - 1]!);
    for (const delivery of target.accepted()) verify(delivery, endpoint.secrets[0]!);
  });

  it('when one endpoint hangs, then another endpoint of the same site still gets its delivery at once', async () => {
    const site = `site-${randomUUID()}`;
    const hanging = await receiver({ mode: 'hang' });
    const healthy = await receiver();
    await endpointFor(site, hanging.url);
    await endpointFor(site, healthy.url);
    // Several images, so several attempts hang at once at the slow endpoint.
    for (let i = 0; i < 3; i++) await emit(site, randomUUID(), ['image.blocked']);
    await until(() => healthy.accepted().length === 3);
    expect(hanging.requests.length).toBeGreaterThan(0);
    expect(hanging.requests.every((request) => request.answered === null)).toBe(true);
  });

  /**
   * Once `hanging` is asked, another site's event still arrives within 10 s, while `hanging` got at most
   * `mostAsked` requests; then closes it.
   */
  async function anotherSiteDeliveredBeside(hanging: Awaited<ReturnType<typeof receiver>>, mostAsked: number): Promise<void> {
    await until(() => hanging.requests.length > 0);
    const other = `site-${randomUUID()}`;
    const healthy = await receiver();
    await endpointFor(other, healthy.url);
    await emit(other, randomUUID(), ['image.visible']);
    await waitFor(() => Promise.resolve(healthy.accepted().length === 1), 10_000);
    expect(hanging.requests.length).toBeLessThanOrEqual(mostAsked);
    await hanging.close();
  }

  it("when one site's endpoint hangs with more events than there are delivery slots, then another site's delivery still arrives at once", async () => {
    const slow = `site-${randomUUID()}`;
    const hanging = await receiver({ mode: 'hang' });
    await endpointFor(slow, hanging.url);
    // More images than WEBHOOK_CONCURRENCY (10): unchecked, every slot would hang for WEBHOOK_TIMEOUT_MS (20 s).
    for (let i = 0; i < 12; i++) await emit(slow, randomUUID(), ['image.visible']);
    await anotherSiteDeliveredBeside(hanging, 2);
  });

  it("when one site registers many endpoints that all hang, then another site's delivery still arrives at once", async () => {
    const slow = `site-${randomUUID()}`;
    const hanging = await receiver({ mode: 'hang' });
    // Six endpoints, two deliveries each in flight: twelve, more than WEBHOOK_CONCURRENCY (10), unless the site is capped.
    for (let i = 0; i < 6; i++) await endpointFor(slow, `${hanging.url}/${i}`);
    for (let i = 0; i < 2; i++) await emit(slow, randomUUID(), ['image.visible']);
    await anotherSiteDeliveredBeside(hanging, 5);
  });

  it('when a delivered event is redelivered, then the receiver gets it again with the same webhook-id', async () => {
    const site = `site-${randomUUID()}`;
    const target = await receiver();
    const endpoint = await endpointFor(site, target.url);
    const [eventId] = await emit(site, randomUUID(), ['image.removed']);
    // Delivered once the worker recorded the answer, a moment after the receiver sent it.
    const delivered = await waitFor(async () => {
      const [row] = await listDeliveries(service.deps.pool, { endpointId: endpoint.id, limit: 1 });
      return row?.deliveredAt ? row : undefined;
    });
    const again = await redeliverWebhook(service.deps, delivered.id);
    expect(again).not.toBe(delivered.id);
    await until(() => target.accepted().length === 2);
    expect(target.accepted().map((d) => d.headers['webhook-id'])).toEqual([eventId, eventId]);
    verify(target.accepted()[1]!, endpoint.secrets[0]!);
  });

  it('when a site has no endpoint for an event, then nothing is written', async () => {
    const site = `site-${randomUUID()}`;
    await endpointFor(site, (await receiver()).url);
    const written = await withTransaction(service.deps.pool, (client) =>
      enqueueImageEvent(client, { imageId: randomUUID(), siteId: site, type: 'report.created' }),
    );
    expect(written.deliveries).toBe(0);
  });
});
