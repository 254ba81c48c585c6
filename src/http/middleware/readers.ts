/**
 * Reader identity on the reader API: a first-party token (JWT_SECRET), a host site's signed reader token, or
 * the anonymous reader cookie. Puts `req.reader` on the request or answers 401.
 */
import type { Request, RequestHandler, Response } from 'express';
import { deriveKey, newReaderCookie, networkHash, readReaderCookie, type AnonymousReader } from '../../auth/anonymous-readers.js';
import { signedReaderVerifier } from '../../auth/signed-readers.js';
import type { Reader } from '../../auth/readers.js';
import { TokenError, verifyToken } from '../../auth/tokens.js';
import type { Config } from '../../config.js';
import { demoReaderNetworkLabel } from '../../domain/demo-sandbox.js';
import { guardPrefix, identityPrefix } from '../../domain/network.js';
import { anonymousReportsAllowed } from '../../domain/readers.js';
import { AppError } from '../../errors.js';
import { bearerToken } from './auth.js';
import { demoSite } from '../../demo/demo-site.js';

export type { Reader } from '../../auth/readers.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `authenticateReader`. */
    reader?: Reader;
  }
}

/** The anonymous reader's cookie: `<uuid>.<HMAC>`, HttpOnly, one year. */
export const READER_COOKIE = 'imgmod_reader';
const READER_COOKIE_MAX_AGE_MS = 365 * 86_400_000;

function unauthorized(message: string): AppError {
  return new AppError({ code: 'unauthorized', message });
}

/** This service's own origin as the browser sees it (for the same-origin demo page). */
function ownOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? ''}`;
}

function anonymousAllowed(config: Config, req: Request): boolean {
  return anonymousReportsAllowed(config.ANONYMOUS_REPORTS, req.get('origin'), ownOrigin(req));
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

/** Everything reader authentication needs, built once per app. */
export interface ReaderAuth {
  config: Config;
  verifier: ReturnType<typeof signedReaderVerifier>;
  cookieKey: Buffer;
  networkKey: Buffer;
}

/** Builds the reader authentication of a config: signed sites (plus the demo site in demo mode) and keys. */
export function readerAuth(config: Config): ReaderAuth {
  const sites = config.DEMO_MODE ? [...config.SIGNED_READER_SITES, demoSite(config)] : config.SIGNED_READER_SITES;
  return {
    config,
    verifier: signedReaderVerifier(sites, config.SIGNED_TOKEN_MAX_AGE_MS),
    cookieKey: deriveKey(config.JWT_SECRET, 'reader-cookie'),
    networkKey: deriveKey(config.JWT_SECRET, 'network-hash'),
  };
}

/** The anonymous reader of a request from its cookie and network, or null without a valid cookie. */
function anonymousReader(auth: ReaderAuth, req: Request): AnonymousReader | null {
  const readerId = readReaderCookie(auth.cookieKey, (req.cookies as Record<string, string> | undefined)?.[READER_COOKIE]);
  if (!readerId) return null;
  const prefix = identityPrefix(req.ip ?? '') ?? 'unknown';
  return { kind: 'anonymous', id: readerId, networkHash: networkHash(auth.networkKey, prefix) };
}

async function bearerReader(auth: ReaderAuth, token: string): Promise<Reader> {
  try {
    if (auth.verifier.handles(token)) return await auth.verifier.verify(token);
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
    const anonymous = anonymousReader(auth, req);
    if (anonymous && !anonymousAllowed(auth.config, req)) {
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
 * Gives the browser an anonymous reader id, or confirms the one it has.
 * The cookie is SameSite=None; Secure; Partitioned over TLS (so a host page on another site can send it,
 * in its own partition where third-party cookies are blocked), and SameSite=Lax over plain HTTP, where
 * browsers refuse SameSite=None.
 * @returns `{ readerId, issued }`: issued=false when the request already carried a valid cookie
 * @throws AppError 403 `anonymous_reports_disabled`
 */
export function issueAnonymousReader(auth: ReaderAuth, req: Request, res: Response): { readerId: string; issued: boolean } {
  if (!anonymousAllowed(auth.config, req)) {
    throw new AppError({ code: 'anonymous_reports_disabled', message: 'this site does not accept anonymous reports' });
  }
  const existing = anonymousReader(auth, req);
  if (existing) return { readerId: existing.id, issued: false };
  const { readerId, cookie } = newReaderCookie(auth.cookieKey);
  res.cookie(READER_COOKIE, cookie, {
    httpOnly: true,
    secure: req.secure,
    sameSite: req.secure ? 'none' : 'lax',
    partitioned: req.secure,
    path: '/',
    maxAge: READER_COOKIE_MAX_AGE_MS,
  });
  return { readerId, issued: true };
}
