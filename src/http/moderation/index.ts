/**
 * Every moderator route under /v1/moderation: the session, then (behind one guard: a moderator's bearer token
 * or session cookie) the review queues, one image's review, decisions, the audit log, hash banks and the
 * policy replay.
 */
import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { authenticate, requireRole } from '../middleware/auth.js';
import { auditRoutes } from './audit.routes.js';
import { decisionsRoutes } from './decisions.routes.js';
import { hashBanksRoutes } from './hash-banks.routes.js';
import { policyRoutes } from './policy.routes.js';
import { queueRoutes } from './queue.routes.js';
import { reviewRoutes } from './review.routes.js';
import { currentSessionRoutes, sessionRoutes } from './session.routes.js';

/** The router for /v1/moderation/*. */
export function moderationRoutes(deps: Deps): Router {
  const router = Router();
  router.use(sessionRoutes(deps));
  router.use('/v1/moderation', authenticate(deps, { sessionCookie: true }), requireRole('moderator'));
  router.use(currentSessionRoutes());
  router.use(queueRoutes(deps));
  router.use(reviewRoutes(deps));
  router.use(decisionsRoutes(deps));
  router.use(auditRoutes(deps));
  router.use(hashBanksRoutes(deps));
  router.use(policyRoutes(deps));
  return router;
}
