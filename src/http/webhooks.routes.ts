/**
 * Routes for a site's server to manage its own webhooks with its API key (an admin's first-party token acts on
 * `default`, or on `?site=`): endpoints, secret rotation, the delivery log and redelivery, under /v1/webhooks.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook-events.js';
import { findSite } from '../db/sites.repository.js';
import { hasRole } from '../domain/roles.js';
import { DEFAULT_SITE_ID } from '../domain/sites.js';
import { AppError, badRequest, notFound } from '../errors.js';
import {
  addSiteEndpoint,
  enableSiteEndpoint,
  endpointView,
  listSiteEndpoints,
  redeliverSiteDelivery,
  rotateSiteSecret,
  siteDeliveries,
} from '../webhooks/site-webhooks.js';
import { authenticateSiteOrUser } from './middleware/site-keys.js';
import type { ReaderAuth } from './middleware/readers.js';

export const newEndpointBody = z
  .strictObject({
    url: z.string().min(1).max(2048).meta({ example: 'https://news.example/hooks/imgmod' }),
    eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length).optional(),
  })
  .meta({ id: 'NewWebhookEndpoint' });
export const endpointChangeBody = z.strictObject({ enabled: z.boolean() });
export const endpointIdPath = z.object({ id: z.uuid() });
export const deliveryIdPath = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53),
});
export const deliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });
export const siteQuery = z.object({ site: z.string().max(40).optional() });

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest(`invalid ${what}: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`);
  return parsed.data;
}

/**
 * The site a request manages: its API key's, or for an admin `?site=` (default `default`), which must exist: an
 * endpoint registered for an id no site has would receive the events of the site created later under it.
 * @throws AppError 403 `forbidden` for anyone else; 404 `not_found` for an admin's unknown site
 */
async function siteOf(req: Request, deps: Pick<Deps, 'pool'>): Promise<string> {
  if (req.siteKey) return req.siteKey.siteId;
  if (!req.user || !hasRole(req.user.role, 'admin'))
    throw new AppError({ code: 'forbidden', message: "webhooks are managed with the site's API key (or by an admin)" });
  const site = parse(siteQuery, req.query, 'query').site ?? DEFAULT_SITE_ID;
  if (!(await findSite(deps.pool, site))) throw notFound('site');
  return site;
}

/** The router for /v1/webhooks (see the module comment). */
export function webhooksRoutes(deps: Deps, auth: ReaderAuth): Router {
  const router = Router();
  const authenticated = authenticateSiteOrUser(deps, auth);
  const idOf = (req: Request) => parse(endpointIdPath, req.params, 'endpoint id').id;

  router.post('/v1/webhooks/endpoints', authenticated, async (req, res) => {
    const body = parse(newEndpointBody, req.body ?? {}, 'endpoint');
    const endpoint = await addSiteEndpoint(deps, {
      siteId: await siteOf(req, deps),
      url: body.url,
      ...(body.eventTypes ? { eventTypes: body.eventTypes } : {}),
    });
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ ...endpointView(endpoint), secret: endpoint.secrets.at(-1) });
  });

  router.get('/v1/webhooks/endpoints', authenticated, async (req, res) => {
    res.set('Cache-Control', 'no-store').json({ endpoints: await listSiteEndpoints(deps, await siteOf(req, deps)) });
  });

  router.patch('/v1/webhooks/endpoints/:id', authenticated, async (req, res) => {
    const body = parse(endpointChangeBody, req.body ?? {}, 'change');
    res.json(await enableSiteEndpoint(deps, { siteId: await siteOf(req, deps), endpointId: idOf(req), enabled: body.enabled }));
  });

  router.post('/v1/webhooks/endpoints/:id/rotate-secret', authenticated, async (req, res) => {
    const endpoint = await rotateSiteSecret(deps, { siteId: await siteOf(req, deps), endpointId: idOf(req), finish: false });
    res.set('Cache-Control', 'no-store').json({ ...endpointView(endpoint), secret: endpoint.secrets.at(-1) });
  });

  router.post('/v1/webhooks/endpoints/:id/finish-rotation', authenticated, async (req, res) => {
    res.json(endpointView(await rotateSiteSecret(deps, { siteId: await siteOf(req, deps), endpointId: idOf(req), finish: true })));
  });

  router.get('/v1/webhooks/endpoints/:id/deliveries', authenticated, async (req, res) => {
    const { limit } = parse(deliveriesQuery, req.query, 'query');
    const deliveries = await siteDeliveries(deps, { siteId: await siteOf(req, deps), endpointId: idOf(req), limit });
    res.set('Cache-Control', 'no-store').json({ deliveries });
  });

  router.post('/v1/webhooks/deliveries/:id/redeliver', authenticated, async (req, res) => {
    const { id } = parse(deliveryIdPath, req.params, 'delivery id');
    res.status(202).json({ deliveryId: await redeliverSiteDelivery(deps, { siteId: await siteOf(req, deps), deliveryId: id }) });
  });

  return router;
}
