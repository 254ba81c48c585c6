/**
 * CORS for the reader API (reports, receipts, visibility, the anonymous reader cookie): only ALLOWED_ORIGINS and
 * the allowed origins of active sites may call it from a browser, with credentials (the anonymous reader
 * cookie). A request from any other foreign origin is refused outright (403), which also stops cross-site form
 * posts riding on that cookie.
 */
import type { Request, RequestHandler } from 'express';
import { AppError } from '../../errors.js';
import type { SiteDirectory } from '../../sites/site-directory.js';

/** The paths the widget calls from host pages. */
// Case-insensitive and with an optional trailing slash, as express routes match.
const READER_API = /^\/v1\/(readers\/anonymous|me\/reports|visibility|images\/[^/]+\/reports)\/?$/i;

/** How long a browser may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

function isSameOrigin(req: Request, origin: string): boolean {
  return origin === `${req.protocol}://${req.get('host') ?? ''}`;
}

/** The CORS middleware for the reader API; other paths pass through untouched. */
export function readerCors(allowedOrigins: readonly string[], sites: SiteDirectory): RequestHandler {
  return async (req, res, next) => {
    const origin = req.get('origin');
    if (!READER_API.test(req.path) || origin === undefined || isSameOrigin(req, origin)) return next();
    if (!allowedOrigins.includes(origin) && !(await sites.snapshot()).allowsOrigin(origin)) {
      throw new AppError({
        code: 'origin_not_allowed',
        message: `${origin} is not in ALLOWED_ORIGINS nor an active site's allowed origins`,
      });
    }
    res.vary('Origin');
    res.set({
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Expose-Headers': 'Retry-After',
    });
    if (req.method !== 'OPTIONS') return next();
    res.set({
      'Access-Control-Allow-Methods': 'GET, POST',
      'Access-Control-Allow-Headers': 'authorization, content-type',
      'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
    });
    res.status(204).end();
  };
}
