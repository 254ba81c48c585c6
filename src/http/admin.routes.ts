/** Admin-only routes under /v1/admin: moderator sessions (list, revoke), the operator event log, and sites. */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { notFound } from '../errors.js';
import { listSessions, revokeSession } from '../auth/sessions.js';
import { latestOperatorEvents } from '../moderation/operator-log.js';
import { authenticate, currentUser, requireRole } from './middleware/auth.js';
import { adminSitesRoutes } from './admin-sites.routes.js';
import type { ReaderAuth } from './middleware/readers.js';

const idHashParam = z.string().regex(/^[0-9a-f]{64}$/);

/** The router for /v1/admin (admin role: a bearer token or an admin's session). */
export function adminRoutes(deps: Deps, auth: ReaderAuth): Router {
  const router = Router();
  router.use('/v1/admin', authenticate(deps, { sessionCookie: true }), requireRole('admin'));

  router.get('/v1/admin/sessions', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ sessions: await listSessions(deps) });
  });

  router.delete('/v1/admin/sessions/:idHash', async (req, res) => {
    const idHash = idHashParam.safeParse(req.params.idHash);
    if (!idHash.success || !(await revokeSession(deps, { idHash: idHash.data, adminId: currentUser(req).id }))) throw notFound('session');
    res.status(204).end();
  });

  router.get('/v1/admin/events', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ events: await latestOperatorEvents(deps) });
  });
  router.use(adminSitesRoutes(deps, auth));
  return router;
}
