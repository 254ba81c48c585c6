/**
 * Use cases: what a site's server does with its own webhooks through its API key: register, list, enable or
 * disable endpoints, rotate their secrets, read an endpoint's delivery log and redeliver. Every endpoint and
 * delivery is looked up within the caller's site: another site's is 404, exactly as one that does not exist.
 */
import type { Deps } from '../deps.js';
import type { WebhookEventType } from '../domain/webhook-events.js';
import {
  findDelivery,
  findWebhookEndpoint,
  listDeliveries,
  listWebhookEndpoints,
  setWebhookEndpointEnabled,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from '../db/webhooks.repository.js';
import { notFound } from '../errors.js';
import { finishSecretRotation, registerWebhookEndpoint, rotateWebhookSecret } from './endpoints.js';
import { redeliverWebhook } from './redeliver.js';

/** An endpoint as its site sees it after creation: everything but the secrets, which are shown only when made. */
export type EndpointView = Omit<WebhookEndpointRow, 'secrets'> & { secretCount: number };

/** The endpoint without its secrets. */
export function endpointView(endpoint: WebhookEndpointRow): EndpointView {
  const { secrets, ...rest } = endpoint;
  return { ...rest, secretCount: secrets.length };
}

async function ownEndpoint(deps: Pick<Deps, 'pool'>, siteId: string, endpointId: string): Promise<WebhookEndpointRow> {
  const endpoint = await findWebhookEndpoint(deps.pool, endpointId);
  if (!endpoint || endpoint.siteId !== siteId) throw notFound('webhook endpoint');
  return endpoint;
}

/**
 * Registers an endpoint of `siteId` (registerWebhookEndpoint's URL rules: the URL's own host, public addresses only).
 * @returns the endpoint with its first secret: the only time the site sees it
 * @throws AppError 422 `url_not_allowed`, `url_resolves_to_private_address`; 409 `too_many_endpoints`
 */
export function addSiteEndpoint(
  deps: Pick<Deps, 'pool' | 'config'>,
  input: { siteId: string; url: string; eventTypes?: readonly WebhookEventType[] },
): Promise<WebhookEndpointRow> {
  return registerWebhookEndpoint(deps, input);
}

/** The site's endpoints, oldest first, without secrets. */
export async function listSiteEndpoints(deps: Pick<Deps, 'pool'>, siteId: string): Promise<EndpointView[]> {
  return (await listWebhookEndpoints(deps.pool, siteId)).map(endpointView);
}

/**
 * Turns an endpoint of the site on or off (a disabled endpoint gets no new deliveries).
 * @throws AppError 404 for an endpoint that is not the site's
 */
export async function enableSiteEndpoint(
  deps: Pick<Deps, 'pool'>,
  input: { siteId: string; endpointId: string; enabled: boolean },
): Promise<EndpointView> {
  await ownEndpoint(deps, input.siteId, input.endpointId);
  await setWebhookEndpointEnabled(deps.pool, { id: input.endpointId, enabled: input.enabled });
  return endpointView((await findWebhookEndpoint(deps.pool, input.endpointId))!);
}

/**
 * Starts (`finish` false) or ends (`finish` true) a secret rotation of the site's endpoint.
 * @returns the endpoint with its secrets, newest last: starting shows the new secret once
 * @throws AppError 404 for an endpoint that is not the site's
 */
export async function rotateSiteSecret(
  deps: Pick<Deps, 'pool'>,
  input: { siteId: string; endpointId: string; finish: boolean },
): Promise<WebhookEndpointRow> {
  await ownEndpoint(deps, input.siteId, input.endpointId);
  return input.finish ? finishSecretRotation(deps, input.endpointId) : rotateWebhookSecret(deps, input.endpointId);
}

/**
 * The delivery log of the site's endpoint, newest first: attempts, last status code, latency and error.
 * @param input.limit 1–100
 * @throws AppError 404 for an endpoint that is not the site's
 */
export async function siteDeliveries(
  deps: Pick<Deps, 'pool'>,
  input: { siteId: string; endpointId: string; limit: number },
): Promise<WebhookDeliveryRow[]> {
  await ownEndpoint(deps, input.siteId, input.endpointId);
  return listDeliveries(deps.pool, { endpointId: input.endpointId, limit: input.limit });
}

/**
 * Delivers one of the site's deliveries again (redeliverWebhook: same `webhook-id`, after any still open about the
 * same image). @returns the id of the delivery that will be attempted
 * @throws AppError 404 for a delivery that is not to one of the site's endpoints
 */
export async function redeliverSiteDelivery(deps: Pick<Deps, 'pool'>, input: { siteId: string; deliveryId: number }): Promise<number> {
  const delivery = await findDelivery(deps.pool, input.deliveryId);
  if (!delivery) throw notFound('webhook delivery');
  const endpoint = await findWebhookEndpoint(deps.pool, delivery.endpointId);
  if (!endpoint || endpoint.siteId !== input.siteId) throw notFound('webhook delivery');
  return redeliverWebhook(deps, input.deliveryId);
}
