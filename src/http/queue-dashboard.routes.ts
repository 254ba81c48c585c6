/** The Bull Board job dashboard at /admin/queues, for moderators (bearer token or the moderator page's session). */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { authenticate, requireRole } from './auth.js';

export const DASHBOARD_PATH = '/admin/queues';

/** The router for the Bull Board dashboard over every job queue, behind moderator authentication. */
export function queueDashboardRoutes(deps: Deps): Router {
  const serverAdapter = new ExpressAdapter().setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: Object.values(deps.queues).map((queue) => new BullMQAdapter(queue)), serverAdapter });
  const router = Router();
  router.use(
    DASHBOARD_PATH,
    authenticate(deps.config.JWT_SECRET, { sessionCookie: true }),
    requireRole('moderator'),
    serverAdapter.getRouter() as Router,
  );
  return router;
}
