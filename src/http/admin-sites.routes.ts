/**
 * Admin routes for sites (tenants) under /v1/admin/sites: create, list, read, change, disable, reset the
 * circuit breaker, and the site's API keys (make one, shown once; list; revoke). Every change drops this
 * process's site cache at once; other processes see it within SITES_CACHE_TTL_MS.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { badRequest, notFound } from '../errors.js';
import { createSiteApiKey, listSiteKeys, revokeSiteKey } from '../sites/api-keys.js';
import { changeSite, createSite, getSite, listSiteViews, resetSiteBreaker } from '../sites/manage-sites.js';
import { newSiteSchema, siteSettingsSchema } from '../sites/site-settings.js';
import { SITE_ID_PATTERN } from '../domain/sites.js';
import { currentUser } from './middleware/auth.js';
import type { ReaderAuth } from './middleware/readers.js';

export const newApiKeyBody = z.strictObject({
  label: z.string().trim().max(200).optional(),
  revokeOthers: z.boolean().optional(),
});

/** A site id from the path; anything that cannot be one is a site that does not exist (404). */
function siteIdParam(value: unknown): string {
  if (typeof value !== 'string' || !SITE_ID_PATTERN.test(value)) throw notFound('site');
  return value;
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw badRequest(`invalid ${what}: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`);
  return parsed.data;
}

/** The router for /v1/admin/sites; mount behind the admin role (admin.routes.ts). */
export function adminSitesRoutes(deps: Deps, auth: ReaderAuth): Router {
  const router = Router();
  const changed = () => auth.sites.invalidate();

  router.get('/v1/admin/sites', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ sites: await listSiteViews(deps) });
  });

  router.post('/v1/admin/sites', async (req, res) => {
    const site = await createSite(deps, { site: parseBody(newSiteSchema, req.body, 'site'), adminId: currentUser(req).id });
    changed();
    res.status(201).json(site);
  });

  router.get('/v1/admin/sites/:id', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(await getSite(deps, siteIdParam(req.params.id)));
  });

  router.patch('/v1/admin/sites/:id', async (req, res) => {
    const id = siteIdParam(req.params.id);
    const site = await changeSite(deps, {
      id,
      changes: parseBody(siteSettingsSchema, req.body, 'site settings'),
      adminId: currentUser(req).id,
    });
    changed();
    res.json(site);
  });

  router.post('/v1/admin/sites/:id/disable', async (req, res) => {
    const id = siteIdParam(req.params.id);
    const site = await changeSite(deps, { id, changes: { status: 'disabled' }, adminId: currentUser(req).id, action: 'site_disabled' });
    changed();
    res.json(site);
  });

  router.post('/v1/admin/sites/:id/breaker/reset', async (req, res) => {
    const site = await resetSiteBreaker(deps, { id: siteIdParam(req.params.id), adminId: currentUser(req).id });
    changed();
    res.json(site);
  });

  router.post('/v1/admin/sites/:id/api-keys', async (req, res) => {
    const body = parseBody(newApiKeyBody, req.body, 'API key request');
    const { key, record, revoked } = await createSiteApiKey(deps, {
      siteId: siteIdParam(req.params.id),
      label: body.label,
      revokeOthers: body.revokeOthers,
      createdBy: currentUser(req).id,
    });
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ key, ...record, revokedOthers: revoked });
  });

  router.get('/v1/admin/sites/:id/api-keys', async (req, res) => {
    res.set('Cache-Control', 'no-store').json({ keys: await listSiteKeys(deps, siteIdParam(req.params.id)) });
  });

  router.delete('/v1/admin/sites/:id/api-keys/:keyId', async (req, res) => {
    const keyId = z.uuid().safeParse(req.params.keyId);
    if (!keyId.success) throw notFound('API key');
    await revokeSiteKey(deps, { siteId: siteIdParam(req.params.id), keyId: keyId.data, adminId: currentUser(req).id });
    res.status(204).end();
  });

  return router;
}
