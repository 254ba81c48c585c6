/**
 * A site manages its own webhooks with its API key (/v1/webhooks): it registers an endpoint, receives its images'
 * events (verified with the reference library `standardwebhooks`), reads the delivery log and redelivers; another
 * site's key sees none of it.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, createTestSite, testSite } from '../helpers/sites.js';
import { fixture, startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let service: TestService;
let receiver: WebhookReceiver;
const keys: Record<string, string> = {};
beforeAll(async () => {
  service = await startTestService({ env: { OUTBOUND_ALLOW_LOOPBACK: 'true', WEBHOOK_RETRY_BASE_MS: '100', OUTBOX_POLL_MS: '100' } });
  receiver = await startWebhookReceiver();
  for (const id of ['gazette', 'herald']) {
    await createTestSite(service, testSite(id));
    keys[id] = (
      (await (await asAdmin(service, `/v1/admin/sites/${id}/api-keys`, { method: 'POST', body: {} })).json()) as { key: string }
    ).key;
  }
});
afterAll(async () => {
  await receiver.close();
  await service.close();
});

function asSite(site: string, path: string, init: { method?: string; body?: unknown; form?: FormData } = {}): Promise<Response> {
  return fetch(`${service.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${keys[site]}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.form ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
}

describe('a site managing its webhooks', () => {
  it("when a site registers an endpoint, then its images' events arrive signed with the secret it was shown once, the log shows them, and a redelivery repeats the same event", async () => {
    const created = await asSite('gazette', '/v1/webhooks/endpoints', { method: 'POST', body: { url: receiver.url } });
    expect(created.status).toBe(201);
    const endpoint = (await created.json()) as { id: string; secret: string; siteId: string };
    expect(endpoint.siteId).toBe('gazette');
    expect(endpoint.secret).toMatch(/^whsec_/);
    const listed = (await (await asSite('gazette', '/v1/webhooks/endpoints')).json()) as { endpoints: Array<Record<string, unknown>> };
    expect(listed.endpoints.map((row) => row.id)).toEqual([endpoint.id]);
    expect(JSON.stringify(listed)).not.toContain('whsec_');

    const form = new FormData();
    form.append('file', new Blob([await fixture('real/concert.jpg')]), 'concert.jpg');
    const { id: imageId } = (await (await asSite('gazette', '/v1/images', { method: 'POST', form })).json()) as { id: string };
    const mine = () => receiver.accepted().filter((delivery) => delivery.event.data.imageId === imageId);
    await waitFor(() => Promise.resolve(mine().length === 1));
    expect(mine()[0]!.event.type).toBe('image.visible');
    expect(new Webhook(endpoint.secret).verify(mine()[0]!.body, mine()[0]!.headers)).toEqual(JSON.parse(mine()[0]!.body));

    type Delivery = { id: number; eventId: string; deliveredAt: string | null; lastStatusCode: number | null };
    const log = async () =>
      ((await (await asSite('gazette', `/v1/webhooks/endpoints/${endpoint.id}/deliveries`)).json()) as { deliveries: Delivery[] })
        .deliveries;
    const delivered = await waitFor(async () => (await log()).find((row) => row.deliveredAt !== null));
    expect(delivered.lastStatusCode).toBe(204); // the receiver answers 204
    expect((await asSite('gazette', `/v1/webhooks/deliveries/${delivered.id}/redeliver`, { method: 'POST' })).status).toBe(202);
    await waitFor(() => Promise.resolve(mine().length === 2));
    expect(mine()[1]!.headers['webhook-id']).toBe(mine()[0]!.headers['webhook-id']);

    // Another site's key: the endpoint, its log and its deliveries do not exist.
    expect((await asSite('herald', `/v1/webhooks/endpoints/${endpoint.id}/deliveries`)).status).toBe(404);
    expect((await asSite('herald', `/v1/webhooks/deliveries/${delivered.id}/redeliver`, { method: 'POST' })).status).toBe(404);
    expect((await asSite('herald', `/v1/webhooks/endpoints/${endpoint.id}`, { method: 'PATCH', body: { enabled: false } })).status).toBe(
      404,
    );
    expect(((await (await asSite('herald', '/v1/webhooks/endpoints')).json()) as { endpoints: unknown[] }).endpoints).toEqual([]);
  });

  it("when a site's key registers more than 20 endpoints, then 409 too_many_endpoints: one event is not fanned out without bound", async () => {
    await createTestSite(service, testSite('tribune'));
    keys.tribune = (
      (await (await asAdmin(service, '/v1/admin/sites/tribune/api-keys', { method: 'POST', body: {} })).json()) as { key: string }
    ).key;
    const register = (i: number) => asSite('tribune', '/v1/webhooks/endpoints', { method: 'POST', body: { url: `${receiver.url}/${i}` } });
    for (let i = 0; i < 20; i++) expect((await register(i)).status).toBe(201);
    const refused = await register(20);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too_many_endpoints');
    // Another site's room is its own.
    expect((await asSite('herald', '/v1/webhooks/endpoints', { method: 'POST', body: { url: receiver.url } })).status).toBe(201);
  });

  it('when an admin names a site that does not exist, then 404: no endpoint waits for a site created later to take its events', async () => {
    const body = { url: receiver.url };
    expect((await asAdmin(service, '/v1/webhooks/endpoints?site=not-yet', { method: 'POST', body })).status).toBe(404);
    expect((await asAdmin(service, '/v1/webhooks/endpoints?site=gazette')).status).toBe(200);
  });

  it('when a reader token or a private address is used, then it is refused', async () => {
    expect((await service.request('/v1/webhooks/endpoints', { as: 'reader-1' })).status).toBe(403);
    const internal = await asSite('gazette', '/v1/webhooks/endpoints', { method: 'POST', body: { url: 'http://10.0.0.7/hooks' } });
    expect(internal.status).toBe(422);
    expect(((await internal.json()) as { error: { code: string } }).error.code).toBe('url_resolves_to_private_address');
  });
});
