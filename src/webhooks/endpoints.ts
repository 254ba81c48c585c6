/** Use cases: register a site's webhook endpoint and rotate its signing secret. */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { DEFAULT_WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../domain/webhook-events.js';
import { addWebhookSecret, dropOldWebhookSecrets, insertWebhookEndpoint, type WebhookEndpointRow } from '../db/webhooks.repository.js';
import { AppError, notFound } from '../errors.js';
import { checkOutboundUrl } from '../outbound/safe-fetch.js';
import { newWebhookSecret } from './signing.js';

/**
 * Endpoints one site may register (GitHub's limit of webhooks per event and repository): every event is written
 * once per endpoint, so without a bound one reader's report could be fanned out to any number of URLs.
 */
export const MAX_ENDPOINTS_PER_SITE = 20;

/**
 * Registers an endpoint that receives the site's events, with a new signing secret (shown to the site once, in
 * the returned row). The URL follows the outbound rules (src/outbound/safe-fetch.ts): http(s), no credentials, a
 * host on `allowedHosts` (by default the URL's own host), not a literal non-public address; where its name
 * resolves is checked again at every delivery.
 * @param input.eventTypes default: every event but the opt-in `report.created`
 * @throws AppError 422 `url_not_allowed`, `url_resolves_to_private_address`; 409 `too_many_endpoints` past MAX_ENDPOINTS_PER_SITE
 */
export async function registerWebhookEndpoint(
  deps: Pick<Deps, 'pool' | 'config'>,
  input: { siteId: string; url: string; eventTypes?: readonly WebhookEventType[]; allowedHosts?: readonly string[] },
): Promise<WebhookEndpointRow> {
  const ownHost = URL.canParse(input.url) ? new URL(input.url).hostname.replace(/^\[(.*)\]$/, '$1') : '';
  const url = checkOutboundUrl(input.url, {
    allowedHosts: input.allowedHosts ?? [ownHost],
    allowLoopback: deps.config.OUTBOUND_ALLOW_LOOPBACK,
  });
  const endpoint = await insertWebhookEndpoint(deps.pool, {
    id: randomUUID(),
    siteId: input.siteId,
    url: url.href,
    secrets: [newWebhookSecret()],
    eventTypes: [...new Set(input.eventTypes ?? DEFAULT_WEBHOOK_EVENT_TYPES)],
    maxPerSite: MAX_ENDPOINTS_PER_SITE,
  });
  if (!endpoint)
    throw new AppError({
      code: 'too_many_endpoints',
      message: `a site may have ${MAX_ENDPOINTS_PER_SITE} webhook endpoints; disable or reuse one`,
      details: { maxEndpoints: MAX_ENDPOINTS_PER_SITE },
    });
  return endpoint;
}

/**
 * Starts a secret rotation: adds a new secret; deliveries are signed with both the old and the new one (two
 * signatures in `webhook-signature`) until finishSecretRotation, so the site can switch its receiver at leisure.
 * @returns the endpoint with its secrets, newest last
 * @throws AppError 404 for an unknown endpoint
 */
export async function rotateWebhookSecret(deps: Pick<Deps, 'pool'>, endpointId: string): Promise<WebhookEndpointRow> {
  const endpoint = await addWebhookSecret(deps.pool, { id: endpointId, secret: newWebhookSecret() });
  if (!endpoint) throw notFound('webhook endpoint');
  return endpoint;
}

/** Ends a rotation: only the newest secret signs from now on. @throws AppError 404 for an unknown endpoint */
export async function finishSecretRotation(deps: Pick<Deps, 'pool'>, endpointId: string): Promise<WebhookEndpointRow> {
  const endpoint = await dropOldWebhookSecrets(deps.pool, endpointId);
  if (!endpoint) throw notFound('webhook endpoint');
  return endpoint;
}
