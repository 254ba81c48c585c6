/**
 * Authentication for the routes a site's server calls (upload, list its images, an image's record): a site API
 * key (`Authorization: Bearer imk_…`) or a first-party token. Puts `req.siteKey` or `req.user` on the request.
 */
import type { Request, RequestHandler } from 'express';
import type { Deps } from '../../deps.js';
import { hasRole } from '../../domain/roles.js';
import { DEFAULT_SITE_ID } from '../../domain/sites.js';
import { AppError } from '../../errors.js';
import { isSiteKey, type SiteKeyHolder } from '../../sites/api-keys.js';
import { authenticate, bearerToken } from './auth.js';
import type { ReaderAuth } from './readers.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `authenticateSiteOrUser` when the request carries a valid site API key. */
    siteKey?: SiteKeyHolder;
  }
}

/**
 * Requires a valid site API key or first-party token (authenticate).
 * @throws AppError 401 `unauthorized` for an unknown or revoked key, a key of a disabled site, or a bad token
 */
export function authenticateSiteOrUser(deps: Pick<Deps, 'pool' | 'config'>, auth: ReaderAuth): RequestHandler {
  const firstParty = authenticate(deps);
  return async (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    if (!token || !isSiteKey(token)) return firstParty(req, res, next);
    const holder = await auth.siteKeys.verify(token);
    if (!holder) throw new AppError({ code: 'unauthorized', message: 'API key unknown, revoked, or of a disabled site' });
    req.siteKey = holder;
    next();
  };
}

/** Who is calling, as the image routes need it. */
export interface Caller {
  /** The site whose images the caller may see; null for moderators and admins (every site). */
  scope: string | null;
  /** The site a new upload belongs to. */
  uploadSite: string;
  /** The uploader id recorded on a new image: the user, or `site:<id>` for a site key. */
  uploaderId: string;
  /** The first-party user id, when not a site key. */
  userId: string | null;
  moderator: boolean;
}

/** The caller of a request behind authenticateSiteOrUser. */
export function currentCaller(req: Request): Caller {
  if (req.siteKey) {
    const siteId = req.siteKey.siteId;
    return { scope: siteId, uploadSite: siteId, uploaderId: `site:${siteId}`, userId: null, moderator: false };
  }
  if (!req.user) throw new AppError({ code: 'unauthorized', message: 'not authenticated' });
  const moderator = hasRole(req.user.role, 'moderator');
  return {
    scope: moderator ? null : DEFAULT_SITE_ID,
    uploadSite: DEFAULT_SITE_ID,
    uploaderId: req.user.id,
    userId: req.user.id,
    moderator,
  };
}
