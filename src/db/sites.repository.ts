/** SQL for the sites table (tenants) and the per-site counts the circuit breaker and admins read. */
import type { SiteStatus, SiteThresholds } from '../domain/sites.js';
import type { Queryable } from './pool.js';

/** One reader key of a site: an HS256 secret, or a JWKS URL with its pinned algorithms. */
export type ReaderKey = { secret: string } | { jwksUrl: string; algorithms?: ('RS256' | 'ES256')[] };

export interface SiteRow {
  id: string;
  name: string;
  allowedOrigins: string[];
  /** `iss` of the site's reader tokens; null when the site signs none. */
  issuer: string | null;
  audience: string;
  readerKeys: ReaderKey[];
  anonymousReports: 'on' | 'off';
  thresholds: SiteThresholds;
  shareBlocklist: boolean;
  poolReportsAcrossSites: boolean;
  status: SiteStatus;
  breakerTrippedAt: Date | null;
  breakerResetAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The sites columns as SiteRow names them (unqualified: read FROM sites). */
export const SITE_COLUMNS = `id, name, allowed_origins AS "allowedOrigins", issuer, audience, reader_keys AS "readerKeys",
  anonymous_reports AS "anonymousReports", thresholds, share_blocklist AS "shareBlocklist",
  pool_reports_across_sites AS "poolReportsAcrossSites", status, breaker_tripped_at AS "breakerTrippedAt",
  breaker_reset_at AS "breakerResetAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The settings an admin sets on a site (every one but the id). */
export type SiteSettings = Pick<
  SiteRow,
  | 'name'
  | 'allowedOrigins'
  | 'issuer'
  | 'audience'
  | 'readerKeys'
  | 'anonymousReports'
  | 'thresholds'
  | 'shareBlocklist'
  | 'poolReportsAcrossSites'
  | 'status'
>;

/** Every site, by id. */
export async function listSites(db: Queryable): Promise<SiteRow[]> {
  return (await db.query<SiteRow>(`SELECT ${SITE_COLUMNS} FROM sites ORDER BY id`)).rows;
}

/** One site, or null. */
export async function findSite(db: Queryable, id: string): Promise<SiteRow | null> {
  return (await db.query<SiteRow>(`SELECT ${SITE_COLUMNS} FROM sites WHERE id = $1`, [id])).rows[0] ?? null;
}

/** A site's columns in the order insertSite and updateSite bind them ($1–$11). */
function siteValues(site: SiteSettings & { id: string }): unknown[] {
  return [
    site.id,
    site.name,
    site.allowedOrigins,
    site.issuer,
    site.audience,
    JSON.stringify(site.readerKeys),
    site.anonymousReports,
    JSON.stringify(site.thresholds),
    site.shareBlocklist,
    site.poolReportsAcrossSites,
    site.status,
  ];
}

/**
 * The first site other than `exceptId` that lists one of `origins`, and that origin; null when none does. An origin
 * belongs to one site only: it decides which site an anonymous reader on that page acts on (domain/sites.ts).
 * Takes a transaction-level advisory lock first, so two transactions that check and then write origins run one
 * after the other; call it inside the transaction that writes them.
 */
export async function findSiteListingOrigin(
  db: Queryable,
  query: { exceptId: string; origins: readonly string[] },
): Promise<{ id: string; origin: string } | null> {
  if (query.origins.length === 0) return null;
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('sites.allowed_origins'))`);
  const result = await db.query<{ id: string; origin: string }>(
    `SELECT s.id, o.origin FROM sites s, unnest(s.allowed_origins) AS o(origin)
     WHERE s.id <> $1 AND o.origin = ANY($2::text[]) ORDER BY s.id LIMIT 1`,
    [query.exceptId, query.origins],
  );
  return result.rows[0] ?? null;
}

/** Inserts a new site. @returns null when the id (or issuer) is taken */
export async function insertSite(db: Queryable, site: SiteSettings & { id: string }): Promise<SiteRow | null> {
  const result = await db.query<SiteRow>(
    `INSERT INTO sites (id, name, allowed_origins, issuer, audience, reader_keys, anonymous_reports, thresholds,
       share_blocklist, pool_reports_across_sites, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING RETURNING ${SITE_COLUMNS}`,
    siteValues(site),
  );
  return result.rows[0] ?? null;
}

/** Replaces a site's settings. @returns the row, or null for an unknown id */
export async function updateSite(db: Queryable, site: SiteSettings & { id: string }): Promise<SiteRow | null> {
  const result = await db.query<SiteRow>(
    `UPDATE sites SET name = $2, allowed_origins = $3, issuer = $4, audience = $5, reader_keys = $6, anonymous_reports = $7,
       thresholds = $8, share_blocklist = $9, pool_reports_across_sites = $10, status = $11, updated_at = now()
     WHERE id = $1 RETURNING ${SITE_COLUMNS}`,
    siteValues(site),
  );
  return result.rows[0] ?? null;
}

/**
 * Opens the site's breaker now, unless it is already open (tripped after `openSince` and not reset since).
 * @returns true when this call tripped it
 */
export async function tripBreaker(db: Queryable, query: { id: string; openSince: Date }): Promise<boolean> {
  const result = await db.query(
    `UPDATE sites SET breaker_tripped_at = now()
     WHERE id = $1 AND (breaker_tripped_at IS NULL OR breaker_tripped_at < $2
                        OR (breaker_reset_at IS NOT NULL AND breaker_reset_at >= breaker_tripped_at))`,
    [query.id, query.openSince],
  );
  return (result.rowCount ?? 0) > 0;
}

/**
 * Closes the site's breaker (an admin's reset): auto-blocks are counted afresh from now, as the last hour's
 * counts are marked as made before the reset.
 * @returns false for an unknown id
 */
export async function resetBreaker(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query(
    `WITH reset AS (UPDATE sites SET breaker_reset_at = now() WHERE id = $1 RETURNING id),
     discounted AS (
       UPDATE site_auto_block_counts c SET before_reset = c.auto_blocks
       FROM reset WHERE c.site_id = reset.id AND c.minute > now() - interval '61 minutes')
     SELECT 1 FROM reset`,
    [id],
  );
  return (result.rowCount ?? 0) > 0;
}

/** A site's auto-block counts, as the breaker reads them (readSiteAutoBlocks). */
export interface SiteAutoBlocks {
  lastHour: number;
  trailing: number;
}

/**
 * Counts `blocks` more report-driven auto-blocks of the site in the current minute (one transaction's), and reads
 * its counts: the row of the minute stays locked until the transaction ends, so a site's concurrent auto-blocks
 * count one after the other (a short wait: the caller bumps as its last statement before the commit).
 * @returns as readSiteAutoBlocks, with `lastHour` counting all but the last of these (may it make one more?)
 */
export async function bumpSiteAutoBlocks(db: Queryable, siteId: string, blocks = 1): Promise<SiteAutoBlocks> {
  const result = await db.query<SiteAutoBlocks>(
    `WITH bumped AS (
       INSERT INTO site_auto_block_counts (site_id, minute, auto_blocks) VALUES ($1, date_trunc('minute', now()), $2)
       ON CONFLICT (site_id, minute) DO UPDATE SET auto_blocks = site_auto_block_counts.auto_blocks + $2
       RETURNING auto_blocks - before_reset AS this_minute),
     earlier AS (
       SELECT coalesce(sum(c.auto_blocks - c.before_reset) FILTER (WHERE c.minute > now() - interval '1 hour'), 0) AS last_hour,
              coalesce(sum(c.auto_blocks - c.overturned) FILTER (WHERE c.minute <= now() - interval '1 hour'), 0) AS trailing
       FROM site_auto_block_counts c
       WHERE c.site_id = $1 AND c.minute >= now() - interval '169 hours' AND c.minute < date_trunc('minute', now()))
     SELECT (bumped.this_minute - 1 + earlier.last_hour)::int AS "lastHour", earlier.trailing::int AS trailing
     FROM bumped, earlier`,
    [siteId, blocks],
  );
  return result.rows[0]!;
}

/**
 * Takes the auto-blocks of `imageId` made since `since` (its previous restore, if any) out of its site's usual
 * rate: a moderator is restoring it, so they were wrong, and a drip of wrongful blocks must not raise the breaker's
 * limit (domain/site-breaker.ts rule 2). Their minutes stay counted in the last hour: the breaker limits blocks made.
 */
export async function discountOverturnedAutoBlocks(
  db: Queryable,
  query: { imageId: string; siteId: string; since: Date | null },
): Promise<void> {
  await db.query(
    `UPDATE site_auto_block_counts c SET overturned = c.overturned + e.n
     FROM (SELECT date_trunc('minute', created_at) AS minute, count(*)::int AS n FROM moderation_events
           WHERE image_id = $1 AND action = 'auto_block' AND details->>'rule' IN ('total_score', 'reason_score')
             AND created_at > coalesce($3, '-infinity'::timestamptz)
             AND created_at >= now() - interval '170 hours'
           GROUP BY 1) e
     WHERE c.site_id = $2 AND c.minute = e.minute`,
    [query.imageId, query.siteId, query.since],
  );
}

/**
 * A site's committed counts, without locking anything: `lastHour`, its auto-blocks of the last 60 minutes
 * (counted by the minute, since the last reset); `trailing`, those of the 7 days before but for the ones
 * moderators overturned.
 */
export async function readSiteAutoBlocks(db: Queryable, siteId: string): Promise<SiteAutoBlocks> {
  const result = await db.query<SiteAutoBlocks>(
    `SELECT coalesce(sum(auto_blocks - before_reset) FILTER (WHERE minute > now() - interval '1 hour'), 0)::int AS "lastHour",
            coalesce(sum(auto_blocks - overturned) FILTER (WHERE minute <= now() - interval '1 hour'), 0)::int AS trailing
     FROM site_auto_block_counts WHERE site_id = $1 AND minute >= now() - interval '169 hours'`,
    [siteId],
  );
  return result.rows[0]!;
}

/** Deletes counts older than the breaker reads (7 days and an hour). @returns how many rows went */
export async function pruneSiteAutoBlockCounts(db: Queryable): Promise<number> {
  const result = await db.query(`DELETE FROM site_auto_block_counts WHERE minute < now() - interval '170 hours'`);
  return result.rowCount ?? 0;
}

/** Reports and auto-blocks on a site's images in the last hour, for admins. */
export async function siteUsageLastHour(db: Queryable, siteId: string): Promise<{ reports: number; autoBlocks: number; held: number }> {
  const result = await db.query<{ reports: number; autoBlocks: number; held: number }>(
    `SELECT (SELECT count(*)::int FROM reports r JOIN images i ON i.id = r.image_id
             WHERE i.site_id = $1 AND r.created_at >= now() - interval '1 hour') AS reports,
            (SELECT count(*)::int FROM moderation_events e JOIN images i ON i.id = e.image_id
             WHERE i.site_id = $1 AND e.action = 'auto_block' AND e.created_at >= now() - interval '1 hour') AS "autoBlocks",
            (SELECT count(*)::int FROM moderation_events e JOIN images i ON i.id = e.image_id
             WHERE i.site_id = $1 AND e.action = 'site_breaker_held' AND e.created_at >= now() - interval '1 hour') AS held`,
    [siteId],
  );
  return result.rows[0]!;
}

/** The site of each image and whether that site shares the blocklist, by image id (for the ids that exist). */
export async function blocklistSitesOf(
  db: Queryable,
  imageIds: readonly string[],
): Promise<Map<string, { id: string; shareBlocklist: boolean }>> {
  const result = await db.query<{ imageId: string; id: string; shareBlocklist: boolean }>(
    `SELECT i.id AS "imageId", s.id, s.share_blocklist AS "shareBlocklist" FROM images i JOIN sites s ON s.id = i.site_id
     WHERE i.id = ANY($1::uuid[])`,
    [imageIds],
  );
  return new Map(result.rows.map((row) => [row.imageId, { id: row.id, shareBlocklist: row.shareBlocklist }]));
}
