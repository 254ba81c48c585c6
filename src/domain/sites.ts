/**
 * Sites as tenants, the pure rules: which site a request acts on, and a site's thresholds. No I/O.
 *
 * 1. Every image belongs to one site. First-party users (JWT_SECRET tokens) act on the first-party site
 *    `default`; a signed reader acts on the site whose key signed its token; an anonymous reader acts on the
 *    site whose allowed origins hold the request's Origin, and on `default` without one (imgmod's own pages,
 *    non-browser clients) or from an origin only ALLOWED_ORIGINS names.
 * 2. A site's threshold overrides may only make its images harder to auto-block: each is clamped to between
 *    the operator's value and MAX_SITE_THRESHOLD_FACTOR times it. A site's keys are not the operator's, so a
 *    site cannot lower the bar its own (possibly compromised) readers must clear.
 */
import { REPORT_REASONS, type ReportReason } from './reports.js';
import type { ThresholdPolicy } from './threshold.js';

/** The first-party site: the operator's own images and users. */
export const DEFAULT_SITE_ID = 'default';

/** Site ids: lower-case letters, digits and dashes, 1–40 characters (also a cookie-name and key-prefix part). */
export const SITE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * Ids no site may take, since a site's id prefixes its readers' ids (`<site>:<sub>`) and those must not be ids imgmod
 * gives itself: `anon:` and `demo:` readers, the `hash-bank:<bank>` reporter (whose upheld record a site's reader
 * would inherit), and `site:<id>`, the uploader id of a site key's uploads.
 */
export const RESERVED_SITE_IDS: readonly string[] = ['anon', 'demo', 'hash-bank', 'site'];

/** How far above the operator's threshold a site may raise its own (rule 2): ten times is already a lot of readers. */
export const MAX_SITE_THRESHOLD_FACTOR = 10;

export const SITE_STATUSES = ['active', 'disabled'] as const;
export type SiteStatus = (typeof SITE_STATUSES)[number];

/** A site's threshold overrides as stored; absent keys follow the operator's policy. */
export interface SiteThresholds {
  autoBlockThreshold?: number;
  reasonThresholds?: Partial<Record<ReportReason, number>>;
}

function clamp(value: number, base: number): number {
  return Math.min(Math.max(value, base), base * MAX_SITE_THRESHOLD_FACTOR);
}

/**
 * The threshold policy of one site's images (rule 2): the operator's, with the site's overrides clamped into
 * [operator's value, MAX_SITE_THRESHOLD_FACTOR × it]. A reason threshold the operator did not set is clamped
 * against the overall threshold.
 */
export function siteThresholdPolicy(base: ThresholdPolicy, overrides: SiteThresholds): ThresholdPolicy {
  const threshold = overrides.autoBlockThreshold === undefined ? base.threshold : clamp(overrides.autoBlockThreshold, base.threshold);
  const reasonThresholds: Partial<Record<ReportReason, number>> = { ...base.reasonThresholds };
  for (const reason of REPORT_REASONS) {
    const wanted = overrides.reasonThresholds?.[reason];
    if (wanted !== undefined) reasonThresholds[reason] = clamp(wanted, base.reasonThresholds[reason] ?? base.threshold);
  }
  return { ...base, threshold, reasonThresholds };
}

/** What the site of a request depends on. */
export interface SiteOfOrigin {
  id: string;
  status: SiteStatus;
  allowedOrigins: readonly string[];
}

/**
 * The site an anonymous request acts on (rule 1): the active site listing `origin`, or `default` without an
 * Origin, from imgmod's own origin, or from an origin no site lists. A disabled site's origin is nobody's: null.
 */
export function siteOfOrigin(sites: readonly SiteOfOrigin[], origin: string | undefined, ownOrigin: string): string | null {
  if (origin === undefined || origin === ownOrigin) return DEFAULT_SITE_ID;
  const site = sites.find((candidate) => candidate.allowedOrigins.includes(origin));
  if (!site) return DEFAULT_SITE_ID;
  return site.status === 'active' ? site.id : null;
}

/**
 * The site a widget's page acts on (rule 1, GET /v1/visibility): the site of its Origin, or the site the page
 * names (the script tag's `data-site`), which a foreign Origin must then belong to. Without a foreign Origin (a
 * server, imgmod's own pages) the named site is taken as it is.
 * @returns `{ siteId }`, null for a disabled or unknown site; `{ mismatch: true }` when a foreign Origin is not
 *   one of the named site's
 */
export function siteOfPage(
  sites: readonly SiteOfOrigin[],
  request: { origin: string | undefined; ownOrigin: string; named: string | undefined },
): { siteId: string | null } | { mismatch: true } {
  const fromOrigin = siteOfOrigin(sites, request.origin, request.ownOrigin);
  if (request.named === undefined || request.named === fromOrigin) return { siteId: fromOrigin };
  const foreign = request.origin !== undefined && request.origin !== request.ownOrigin;
  if (foreign) return fromOrigin === null ? { siteId: null } : { mismatch: true };
  const site = sites.find((candidate) => candidate.id === request.named);
  return { siteId: site?.status === 'active' ? site.id : null };
}

/** True when an image of `imageSiteId` exists for someone acting on `actingSiteId` (null: every site, moderators). */
export function siteMayAccess(actingSiteId: string | null, imageSiteId: string): boolean {
  return actingSiteId === null || actingSiteId === imageSiteId;
}

/**
 * Whether two sites' pictures may count together (near-duplicate report pooling): always within one site;
 * across sites only when both opted in (`pool_reports_across_sites`).
 */
export function sitesMayPool(a: { id: string; poolAcrossSites: boolean }, b: { id: string; poolAcrossSites: boolean }): boolean {
  return a.id === b.id || (a.poolAcrossSites && b.poolAcrossSites);
}

/**
 * Whether a blocked picture of `blockedSite` keeps an upload to `uploadSite` out (the shared blocklist): within
 * one site always; across sites only when both share their blocklist (`share_blocklist`, on by default).
 */
export function sitesShareBlocklist(
  uploadSite: { id: string; shareBlocklist: boolean },
  blockedSite: { id: string; shareBlocklist: boolean },
): boolean {
  return uploadSite.id === blockedSite.id || (uploadSite.shareBlocklist && blockedSite.shareBlocklist);
}
