/**
 * Routes: moderators sign in with the organisation's OpenID Connect provider (GET /auth/sign-in, /auth/callback),
 * and the moderator page asks which sign-ins are offered (GET /auth/options).
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { oidcSignIn, type PendingSignIn } from '../auth/oidc.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { signInWithClaims } from '../auth/sign-in.js';
import { sessionCookie } from './middleware/auth.js';

/** The cookie holding a sign-in in progress (PKCE verifier, state, nonce): HttpOnly, 10 minutes, Lax so the provider's redirect brings it back. */
const PENDING_COOKIE = 'imgmod_oidc';
const PENDING_MAX_AGE_MS = 10 * 60_000;

const pendingSchema = z.strictObject({ codeVerifier: z.string().min(43), state: z.string().min(1), nonce: z.string().min(1) });

function page(res: Response, status: number, title: string, text: string): void {
  const escape = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  res
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escape(title)}</title><h1>${escape(title)}</h1><p>${escape(text)}</p><p><a href="/moderate">Back to the moderator page</a></p></html>`,
    );
}

/**
 * Where the provider sends the browser back: OIDC_REDIRECT_URL, or this request's own origin. The provider
 * accepts only the redirect URIs registered for imgmod's client, so a forged Host header leads nowhere.
 */
function redirectUri(deps: Deps, req: Request): string {
  return deps.config.OIDC_REDIRECT_URL ?? `${req.protocol}://${req.get('host') ?? 'localhost'}/auth/callback`;
}

/** The router for OIDC sign-in and the sign-in options. */
export function signInRoutes(deps: Deps): Router {
  const router = Router();
  const oidc = oidcSignIn(deps.config);

  router.get('/auth/options', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ oidc: oidc !== null, token: deps.config.MODERATOR_TOKEN_SIGNIN });
  });

  router.get('/auth/sign-in', async (req, res) => {
    if (!oidc) throw new AppError({ code: 'oidc_not_configured', message: 'no identity provider is configured (OIDC_ISSUER)' });
    let begun;
    try {
      begun = await oidc.begin(redirectUri(deps, req));
    } catch (error) {
      deps.logger.warn({ err: error }, 'OIDC discovery failed');
      return page(
        res.set('Retry-After', '30'),
        503,
        'Sign-in unavailable',
        'The identity provider could not be reached. Try again in a minute.',
      );
    }
    res.cookie(PENDING_COOKIE, JSON.stringify(begun.pending), {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: '/auth',
      maxAge: PENDING_MAX_AGE_MS,
    });
    res.redirect(302, begun.url.href);
  });

  router.get('/auth/callback', async (req, res) => {
    if (!oidc) throw new AppError({ code: 'oidc_not_configured', message: 'no identity provider is configured (OIDC_ISSUER)' });
    res.clearCookie(PENDING_COOKIE, { path: '/auth' });
    let pending: PendingSignIn;
    try {
      pending = pendingSchema.parse(JSON.parse((req.cookies as Record<string, string>)[PENDING_COOKIE] ?? ''));
    } catch {
      return page(res, 400, 'Sign-in expired', 'This sign-in took too long or was started in another browser. Sign in again.');
    }
    const callbackUrl = new URL(redirectUri(deps, req));
    callbackUrl.search = new URL(req.originalUrl, callbackUrl).search;
    let claims;
    try {
      claims = await oidc.finish(callbackUrl, pending);
    } catch (error) {
      deps.logger.warn({ err: error }, 'OIDC sign-in refused by the callback checks');
      return page(res, 400, 'Sign-in failed', "The identity provider's answer could not be verified. Sign in again.");
    }
    const result = await signInWithClaims(deps, claims);
    if (!result.ok) {
      return page(
        res,
        403,
        'Not a moderator',
        `Your account (${result.subject}) is not allowed to moderate. Ask an administrator to grant you the moderator role.`,
      );
    }
    const cookie = sessionCookie(req, result.expiresAt.getTime() - Date.now());
    res.cookie(cookie.name, result.sessionId, cookie.options).redirect(302, '/moderate');
  });

  return router;
}
