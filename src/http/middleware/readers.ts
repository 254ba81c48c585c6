/**
 * Reader identity on the reader API: a first-party token (JWT_SECRET), a host site's signed reader token, or
 * the anonymous reader cookie of the site the request's Origin belongs to. Puts `req.reader` on the request or
 * answers 401. Sites, their keys and origins come from the site directory (src/sites/site-directory.ts).
 */
import type { Request, RequestHandler, Response } from 'express';
import { deriveKey, newReaderCookie, networkHash, readReaderCookie, type AnonymousReader } from '../../auth/anonymous-readers.js';
import type { Reader } from '../../auth/readers.js';
import { TokenError, verifyToken } from '../../auth/tokens.js';
import type { Config } from '../../config.js';
import { demoReaderNetworkLabel } from '../../domain/demo-sandbox.js';
import { guardPrefix, identityPrefix } from '../../domain/network.js';
import { anonymousReportsAllowed } from '../../domain/readers.js';
import { AppError } from '../../errors.js';
import { bearerToken } from './auth.js';
import type { Deps } from '../../deps.js';
import { DEFAULT_SITE_ID } from '../../domain/sites.js';
import { siteDirectory, type SiteDirectory, type SiteSnapshot } from '../../sites/site-directory.js';
import { siteKeyVerifier, type SiteKeyVerifier } from '../../sites/api-keys.js';

export type { Reader } from '../../auth/readers.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `authenticateReader`. */
    reader?: Reader;
  }
}

/** The anonymous reader's cookie of the first-party site: `<uuid>.<HMAC>`, HttpOnly, one year. */
export const READER_COOKIE = 'imgmod_reader';
const READER_COOKIE_MAX_AGE_MS = 365 * 86_400_000;

/** The anonymous reader cookie's name for a site: `imgmod_reader` for `default`, `imgmod_reader_<site>` for others. */
export function readerCookieName(siteId: string): string {
  return siteId === DEFAULT_SITE_ID ? READER_COOKIE : `${READER_COOKIE}_${siteId}`;
}

function unauthorized(message: string): AppError {
  return new AppError({ code: 'unauthorized', message });
}

/** This service's own origin as the browser sees it (for the same-origin demo page). */
function ownOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? ''}`;
}

/**
 * The site an anonymous request acts on, from its Origin (domain/sites.ts rule 1).
 * @throws AppError 403 `site_disabled` when the Origin belongs to a disabled site
 */
function anonymousSite(snapshot: SiteSnapshot, req: Request): string {
  const siteId = snapshot.siteOfOrigin(req.get('origin'), ownOrigin(req));
  if (siteId === null) throw new AppError({ code: 'site_disabled', message: 'the site of this page is disabled' });
  return siteId;
}

/** Whether the site takes anonymous reports: ANONYMOUS_REPORTS for `default`, the site's own setting otherwise. */
function anonymousAllowed(config: Config, snapshot: SiteSnapshot, req: Request, siteId: string): boolean {
  if (siteId === DEFAULT_SITE_ID) return anonymousReportsAllowed(config.ANONYMOUS_REPORTS, req.get('origin'), ownOrigin(req));
  return snapshot.byId.get(siteId)?.anonymousReports === 'on';
}

/**
 * The keyed hash of the reader's guard network (domain/network.ts), for the brigade guard only (never shown).
 * Recorded for every kind of reader; the guard does not watch first-party users' networks (their tokens are the
 * operator's own). Each demo reader stands for a network of its own.
 */
export function guardNetworkHash(auth: ReaderAuth, req: Request, reader: Reader): string {
  const label = demoReaderNetworkLabel(reader.id) ?? guardPrefix(req.ip ?? '') ?? 'unknown';
  return networkHash(auth.networkKey, label);
}

/** Everything reader and site-key authentication needs, built once per app. */
export interface ReaderAuth {
  config: Config;
  /** The sites, cached (signed reader keys, origins, anonymous policy). */
  sites: SiteDirectory;
  /** Site API keys. */
  siteKeys: SiteKeyVerifier;
  cookieKey: Buffer;
  networkKey: Buffer;
}

/** Builds the reader authentication of an app: the site directory, the site key verifier, and the cookie and network keys. */
export function readerAuth(deps: Pick<Deps, 'pool' | 'config' | 'logger'>): ReaderAuth {
  const { config } = deps;
  return {
    config,
    sites: siteDirectory(deps),
    siteKeys: siteKeyVerifier(deps),
    cookieKey: deriveKey(config.JWT_SECRET, 'reader-cookie'),
    networkKey: deriveKey(config.JWT_SECRET, 'network-hash'),
  };
}

/** The anonymous reader of a request from its site's cookie and its network, or null without a valid cookie. */
function anonymousReader(auth: ReaderAuth, req: Request, siteId: string): AnonymousReader | null {
  const cookies = req.cookies as Record<string, string> | undefined;
  const readerId = readReaderCookie(auth.cookieKey, cookies?.[readerCookieName(siteId)], siteId);
  if (!readerId) return null;
  const prefix = identityPrefix(req.ip ?? '') ?? 'unknown';
  return { kind: 'anonymous', id: readerId, networkHash: networkHash(auth.networkKey, prefix), siteId };
}

async function bearerReader(auth: ReaderAuth, token: string): Promise<Reader> {
  try {
    const { verifier } = await auth.sites.snapshot();
    if (verifier.handles(token)) return await verifier.verify(token);
    return { kind: 'user', ...(await verifyToken(auth.config.JWT_SECRET, token, { maxLifetimeMs: auth.config.TOKEN_MAX_LIFETIME_MS })) };
  } catch (error) {
    if (error instanceof TokenError) throw unauthorized(error.message);
    throw error;
  }
}

/**
 * Requires a reader: `Authorization: Bearer` with a first-party or signed reader token, or (when anonymous
 * reports are allowed for this origin) a valid anonymous reader cookie from POST /v1/readers/anonymous.
 * @throws AppError 401 `unauthorized` for a bad token or no identity; 403 `anonymous_reports_disabled`
 */
export function authenticateReader(auth: ReaderAuth): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req.get('authorization'));
    if (token !== undefined) {
      if (!token) throw unauthorized('an Authorization: Bearer token is required');
      req.reader = await bearerReader(auth, token);
      return next();
    }
    const snapshot = await auth.sites.snapshot();
    const siteId = anonymousSite(snapshot, req);
    const anonymous = anonymousReader(auth, req, siteId);
    if (anonymous && !anonymousAllowed(auth.config, snapshot, req, siteId)) {
      throw new AppError({ code: 'anonymous_reports_disabled', message: 'this site does not accept anonymous reports' });
    }
    if (!anonymous) throw unauthorized('a reader token or the anonymous reader cookie is required');
    req.reader = anonymous;
    next();
  };
}

/** The reader of a request behind `authenticateReader`. */
export function currentReader(req: Request): Reader {
  if (!req.reader) throw unauthorized('not authenticated');
  return req.reader;
}

/**
 * Gives the browser an anonymous reader id for the site of its Origin, or confirms the one it has.
 * The cookie is SameSite=None; Secure; Partitioned over TLS (so a host page on another site can send it,
 * in its own partition where third-party cookies are blocked), and SameSite=Lax over plain HTTP, where
 * browsers refuse SameSite=None.
 * @returns `{ readerId, siteId, issued }`: issued=false when the request already carried a valid cookie
 * @throws AppError 403 `anonymous_reports_disabled`, `site_disabled`
 */
export async function issueAnonymousReader(
  auth: ReaderAuth,
  req: Request,
  res: Response,
): Promise<{ readerId: string; siteId: string; issued: boolean }> {
  const snapshot = await auth.sites.snapshot();
  const siteId = anonymousSite(snapshot, req);
  if (!anonymousAllowed(auth.config, snapshot, req, siteId)) {
    throw new AppError({ code: 'anonymous_reports_disabled', message: 'this site does not accept anonymous reports' });
  }
  const existing = anonymousReader(auth, req, siteId);
  if (existing) return { readerId: existing.id, siteId, issued: false };
  const { readerId, cookie } = newReaderCookie(auth.cookieKey, siteId);
  res.cookie(readerCookieName(siteId), cookie, {
    httpOnly: true,
    secure: req.secure,
    sameSite: req.secure ? 'none' : 'lax',
    partitioned: req.secure,
    path: '/',
    maxAge: READER_COOKIE_MAX_AGE_MS,
  });
  return { readerId, siteId, issued: true };
}
