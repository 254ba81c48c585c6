/**
 * Authentication middleware: a first-party bearer token (`Authorization: Bearer <JWT>`), or the moderator page's
 * server-side session (an opaque id in a cookie), puts the user on the request.
 */
import type { CookieOptions, NextFunction, Request, RequestHandler, Response } from 'express';
import { TokenError, verifyToken, type Role, type User } from '../../auth/tokens.js';
import type { Deps } from '../../deps.js';
import { hasRole } from '../../domain/roles.js';
import { AppError } from '../../errors.js';
import { resumeSession } from '../../auth/sessions.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `authenticate` when the request carries a valid token or session. */
    user?: User;
    /** The session id when the user came by session cookie. */
    sessionId?: string;
  }
}

function unauthorized(message: string): AppError {
  return new AppError({ code: 'unauthorized', message });
}

/**
 * The moderator session cookie: an opaque random id, HttpOnly and SameSite=Strict, so page scripts cannot read
 * it and other sites cannot send it. Over TLS it is `__Host-` prefixed (Secure, path /, no Domain: only this
 * exact origin can set or read it); browsers refuse that prefix without TLS, so plain HTTP uses the bare name.
 */
export const SESSION_COOKIE = 'imgmod_session';
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** The session cookie's name and options for this request. */
export function sessionCookie(req: Request, maxAgeMs?: number): { name: string; options: CookieOptions } {
  return {
    name: req.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE,
    options: { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', ...(maxAgeMs === undefined ? {} : { maxAge: maxAgeMs }) },
  };
}

/** The session id a request carries, if any. */
export function sessionIdOf(req: Request): string | undefined {
  const cookies = req.cookies as Record<string, string> | undefined;
  return cookies?.[SECURE_SESSION_COOKIE] ?? cookies?.[SESSION_COOKIE];
}

/** The Bearer token of an Authorization header; undefined when there is none, null when it is malformed. */
export function bearerToken(header: string | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null;
}

/**
 * Requires a valid token (TOKEN_MAX_LIFETIME at most) or, with `sessionCookie`, an active moderator session:
 * 401 `unauthorized` when it is missing, expired, ended or forged.
 */
export function authenticate(deps: Pick<Deps, 'pool' | 'config'>, options: { sessionCookie?: boolean } = {}): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerToken(req.get('authorization'));
    const sessionId = token === undefined && options.sessionCookie ? sessionIdOf(req) : undefined;
    if (sessionId) {
      const user = await resumeSession(deps, sessionId);
      if (!user) throw unauthorized('your session has ended (signed out, revoked, idle or too old): sign in again');
      req.user = { id: user.id, role: user.role };
      req.sessionId = sessionId;
      return next();
    }
    if (!token) throw unauthorized('an Authorization: Bearer token is required');
    try {
      req.user = await verifyToken(deps.config.JWT_SECRET, token, { maxLifetimeMs: deps.config.TOKEN_MAX_LIFETIME_MS });
    } catch (error) {
      if (error instanceof TokenError) throw unauthorized(error.message);
      throw error;
    }
    next();
  };
}

/** Requires `authenticate` to have run and the user to hold `role` or a higher one: 403 `forbidden` otherwise. */
export function requireRole(role: Role): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.user || !hasRole(req.user.role, role)) {
      throw new AppError({ code: 'forbidden', message: `this needs the ${role} role` });
    }
    next();
  };
}

/** The authenticated user of a request behind `authenticate`. */
export function currentUser(req: Request): User {
  if (!req.user) throw unauthorized('not authenticated');
  return req.user;
}
