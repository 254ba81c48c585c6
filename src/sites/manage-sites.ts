/**
 * Use cases: an admin creates, lists, reads, changes and disables sites, and resets a site's circuit breaker.
 * Every change is an operator event. The caller drops its site cache afterwards (site-directory.ts).
 */
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { withTransaction, type Queryable } from '../db/pool.js';
import { appendOperatorEvent } from '../db/operator-events.repository.js';
import {
  findSite,
  findSiteListingOrigin,
  insertSite,
  listSites,
  resetBreaker,
  siteUsageLastHour,
  updateSite,
  type ReaderKey,
  type SiteRow,
  type SiteSettings,
} from '../db/sites.repository.js';
import { breakerOpen } from '../domain/site-breaker.js';
import { DEFAULT_SITE_ID } from '../domain/sites.js';
import { AppError, badRequest, notFound } from '../errors.js';
import type { NewSiteInput, SiteSettingsInput } from './site-settings.js';

/** A site as admins see it: every setting, reader keys without their secrets, and the breaker's state. */
export interface SiteView extends Omit<SiteRow, 'readerKeys' | 'breakerTrippedAt' | 'breakerResetAt'> {
  readerKeys: ({ type: 'secret' } | { type: 'jwks'; jwksUrl: string; algorithms: string[] })[];
  breaker: { open: boolean; trippedAt: Date | null; resetAt: Date | null };
}

/** The admin view of a site row (never a reader key's secret). */
export function siteView(site: SiteRow, config: Pick<Config, 'SITE_BREAKER_COOLDOWN_MS'>, now = new Date()): SiteView {
  const { readerKeys, breakerTrippedAt, breakerResetAt, ...rest } = site;
  return {
    ...rest,
    readerKeys: readerKeys.map((key) =>
      'secret' in key
        ? { type: 'secret' as const }
        : { type: 'jwks' as const, jwksUrl: key.jwksUrl, algorithms: key.algorithms ?? ['RS256', 'ES256'] },
    ),
    breaker: {
      open: breakerOpen({ coolDownMs: config.SITE_BREAKER_COOLDOWN_MS }, { trippedAt: breakerTrippedAt, resetAt: breakerResetAt, now }),
      trippedAt: breakerTrippedAt,
      resetAt: breakerResetAt,
    },
  };
}

/**
 * Checks what the schema cannot: keys need an issuer, no key is JWT_SECRET (with it a site could sign moderator
 * tokens), and production JWKS URLs use https.
 * @throws AppError 400 `bad_request`
 */
function checkKeys(settings: Pick<SiteSettings, 'issuer' | 'readerKeys'>, config: Pick<Config, 'JWT_SECRET' | 'NODE_ENV'>): void {
  if (settings.readerKeys.length > 0 && !settings.issuer) throw badRequest('readerKeys need an issuer: the `iss` of the tokens they sign');
  for (const key of settings.readerKeys) {
    if ('secret' in key && key.secret === config.JWT_SECRET) {
      throw badRequest("a reader key's secret must not be JWT_SECRET: the site could sign moderator and admin tokens with it");
    }
    if ('jwksUrl' in key && config.NODE_ENV === 'production' && !key.jwksUrl.startsWith('https://')) {
      throw badRequest('jwksUrl must use https in production (over plain http anyone on the path can swap the keys)');
    }
  }
}

function withDefaults(input: NewSiteInput): SiteSettings & { id: string } {
  return {
    id: input.id,
    name: input.name,
    allowedOrigins: input.allowedOrigins ?? [],
    issuer: input.issuer ?? null,
    audience: input.audience ?? 'imgmod',
    readerKeys: input.readerKeys ?? [],
    anonymousReports: input.anonymousReports ?? 'off',
    thresholds: input.thresholds ?? {},
    shareBlocklist: input.shareBlocklist ?? true,
    poolReportsAcrossSites: input.poolReportsAcrossSites ?? false,
    status: input.status ?? 'active',
  };
}

/** Refuses origins another site lists (findSiteListingOrigin). @throws AppError 409 `site_exists` */
async function checkOriginsFree(db: Queryable, id: string, origins: readonly string[]): Promise<void> {
  const taken = await findSiteListingOrigin(db, { exceptId: id, origins });
  if (taken) throw new AppError({ code: 'site_exists', message: `the site "${taken.id}" lists the origin ${taken.origin} already` });
}

function issuerTaken(error: unknown): boolean {
  return (error as { code?: string; constraint?: string }).code === '23505';
}

/**
 * Creates a site.
 * @throws AppError 409 `site_exists` when the id, the issuer or one of the origins is taken; 400 for bad keys
 */
export async function createSite(
  deps: Pick<Deps, 'pool' | 'config'>,
  input: { site: NewSiteInput; adminId: string | null },
): Promise<SiteView> {
  const settings = withDefaults(input.site);
  checkKeys(settings, deps.config);
  try {
    return await withTransaction(deps.pool, async (client) => {
      await checkOriginsFree(client, settings.id, settings.allowedOrigins);
      const site = await insertSite(client, settings);
      if (!site) throw new AppError({ code: 'site_exists', message: `a site with the id "${settings.id}" or its issuer exists` });
      await appendOperatorEvent(client, { actorId: input.adminId, action: 'site_created', target: site.id, details: { name: site.name } });
      return siteView(site, deps.config);
    });
  } catch (error) {
    if (issuerTaken(error)) throw new AppError({ code: 'site_exists', message: `another site has the issuer "${settings.issuer}"` });
    throw error;
  }
}

/** Every site, by id. */
export async function listSiteViews(deps: Pick<Deps, 'pool' | 'config'>): Promise<SiteView[]> {
  return (await listSites(deps.pool)).map((site) => siteView(site, deps.config));
}

/**
 * One site with its last hour's usage (reports, auto-blocks, auto-blocks the breaker held).
 * @throws AppError 404 for an unknown site
 */
export async function getSite(
  deps: Pick<Deps, 'pool' | 'config'>,
  id: string,
): Promise<SiteView & { lastHour: { reports: number; autoBlocks: number; held: number } }> {
  const site = await findSite(deps.pool, id);
  if (!site) throw notFound('site');
  return { ...siteView(site, deps.config), lastHour: await siteUsageLastHour(deps.pool, id) };
}

/**
 * Changes the settings an update names; the rest stay. `readerKeys` replaces the whole list.
 * @throws AppError 404 unknown site; 409 `site_protected` to disable `default`; 409 `site_exists` for a taken issuer or origin
 */
export async function changeSite(
  deps: Pick<Deps, 'pool' | 'config'>,
  input: { id: string; changes: SiteSettingsInput; adminId: string | null; action?: string },
): Promise<SiteView> {
  if (input.id === DEFAULT_SITE_ID && input.changes.status === 'disabled') {
    throw new AppError({ code: 'site_protected', message: 'the first-party site "default" cannot be disabled' });
  }
  try {
    return await withTransaction(deps.pool, async (client) => {
      const current = await findSite(client, input.id);
      if (!current) throw notFound('site');
      const { readerKeys, ...rest } = input.changes;
      const next = { ...current, ...rest, ...(readerKeys ? { readerKeys: readerKeys as ReaderKey[] } : {}) };
      checkKeys(next, deps.config);
      if (input.changes.allowedOrigins) await checkOriginsFree(client, input.id, next.allowedOrigins);
      const site = (await updateSite(client, next))!;
      await appendOperatorEvent(client, {
        actorId: input.adminId,
        action: input.action ?? 'site_changed',
        target: site.id,
        details: { changed: Object.keys(input.changes) },
      });
      return siteView(site, deps.config);
    });
  } catch (error) {
    if (issuerTaken(error)) throw new AppError({ code: 'site_exists', message: `another site has the issuer "${input.changes.issuer}"` });
    throw error;
  }
}

/**
 * Closes a site's circuit breaker now: its auto-blocks go ahead again, counted afresh from now.
 * @throws AppError 404 for an unknown site
 */
export async function resetSiteBreaker(
  deps: Pick<Deps, 'pool' | 'config'>,
  input: { id: string; adminId: string | null },
): Promise<SiteView> {
  return withTransaction(deps.pool, async (client) => {
    if (!(await resetBreaker(client, input.id))) throw notFound('site');
    await appendOperatorEvent(client, { actorId: input.adminId, action: 'site_breaker_reset', target: input.id });
    return siteView((await findSite(client, input.id))!, deps.config);
  });
}

/**
 * Moves every image of one site to another (an upgrade from a single-site set-up: the images uploaded with
 * first-party tokens, in `default`, to the site whose readers report them).
 * @returns how many images moved
 * @throws AppError 404 when either site is unknown
 */
export async function moveImages(deps: Pick<Deps, 'pool'>, input: { from: string; to: string; adminId: string | null }): Promise<number> {
  return withTransaction(deps.pool, async (client) => {
    if (!(await findSite(client, input.from)) || !(await findSite(client, input.to))) throw notFound('site');
    const moved = (await client.query('UPDATE images SET site_id = $2 WHERE site_id = $1', [input.from, input.to])).rowCount ?? 0;
    await appendOperatorEvent(client, {
      actorId: input.adminId,
      action: 'site_images_moved',
      target: input.to,
      details: { from: input.from, moved },
    });
    return moved;
  });
}
