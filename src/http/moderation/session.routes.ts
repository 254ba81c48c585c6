/**
 * The moderator page's session under /v1/moderation/session: start one with a moderator token (development
 * sign-in, MODERATOR_TOKEN_SIGNIN), read who is signed in, sign out.
 */
import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { startSession, signOut } from '../../auth/sessions.js';
import { AppError } from '../../errors.js';
import { authenticate, currentUser, requireRole, sessionCookie, sessionIdOf } from '../middleware/auth.js';

/** POST and DELETE /v1/moderation/session: open to anyone (the POST checks the token itself). */
export function sessionRoutes(deps: Deps): Router {
  const router = Router();
  // Development sign-in (MODERATOR_TOKEN_SIGNIN, off in production): a moderator token starts a server-side
  // session whose opaque id goes in an HttpOnly cookie (also used by /admin/queues).
  router.post(
    '/v1/moderation/session',
    (_req, _res, next) => {
      if (!deps.config.MODERATOR_TOKEN_SIGNIN) {
        throw new AppError({ code: 'token_signin_disabled', message: "sign in with your organisation's account (/auth/sign-in)" });
      }
      next();
    },
    authenticate(deps),
    requireRole('moderator'),
    async (req, res) => {
      const user = currentUser(req);
      const { sessionId, expiresAt } = await startSession(deps, {
        subject: user.id,
        name: null,
        role: user.role === 'admin' ? 'admin' : 'moderator',
        provider: 'token',
      });
      const cookie = sessionCookie(req, expiresAt.getTime() - Date.now());
      res
        .cookie(cookie.name, sessionId, cookie.options)
        .set('Cache-Control', 'no-store')
        .json({ moderatorId: user.id, role: user.role, expiresAt });
    },
  );
  // Sign-out ends the session in the database: the same cookie no longer works anywhere.
  router.delete('/v1/moderation/session', async (req, res) => {
    const sessionId = sessionIdOf(req);
    if (sessionId) await signOut(deps, sessionId);
    const cookie = sessionCookie(req);
    res.clearCookie(cookie.name, cookie.options).status(204).end();
  });
  return router;
}

/** GET /v1/moderation/session: who is signed in (behind the moderator guard). */
export function currentSessionRoutes(): Router {
  const router = Router();
  router.get('/v1/moderation/session', (req, res) => {
    const user = currentUser(req);
    res.set('Cache-Control', 'no-store').json({ moderatorId: user.id, role: user.role });
  });
  return router;
}
