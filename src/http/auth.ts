/** Authentication middleware: reads `Authorization: Bearer <JWT>` and puts the user on the request. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { TokenError, verifyToken, type Role, type User } from '../auth/tokens.js';
import { AppError } from '../errors.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `authenticate` when the request carries a valid token. */
    user?: User;
  }
}

function unauthorized(message: string): AppError {
  return new AppError({ code: 'unauthorized', httpStatus: 401, message });
}

/**
 * The moderator page's session cookie: the moderator's own token, HttpOnly and SameSite=Strict, so page
 * scripts cannot read it and other sites cannot send it (no cross-site request forgery).
 */
export const SESSION_COOKIE = 'imgmod_session';

/**
 * Requires a valid token: 401 `unauthorized` when it is missing, expired or forged.
 * @param options.sessionCookie also accept the moderator page's session cookie when there is no Authorization header
 */
export function authenticate(secret: string, options: { sessionCookie?: boolean } = {}): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const cookies = req.cookies as Record<string, string> | undefined;
    const token = bearer ?? (header === undefined && options.sessionCookie ? cookies?.[SESSION_COOKIE] : undefined);
    if (!token) throw unauthorized('an Authorization: Bearer token is required');
    try {
      req.user = await verifyToken(secret, token);
    } catch (error) {
      if (error instanceof TokenError) throw unauthorized(error.message);
      throw error;
    }
    next();
  };
}

/** Requires `authenticate` to have run and the user to hold `role`: 403 `forbidden` otherwise. */
export function requireRole(role: Role): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.user?.role !== role) {
      throw new AppError({ code: 'forbidden', httpStatus: 403, message: `this needs the ${role} role` });
    }
    next();
  };
}

/** The authenticated user of a request behind `authenticate`. */
export function currentUser(req: Request): User {
  if (!req.user) throw unauthorized('not authenticated');
  return req.user;
}
