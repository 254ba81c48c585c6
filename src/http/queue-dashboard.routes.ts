/**
 * The Bull Board job dashboard at /admin/queues: read-only for moderators; read-write for admins, whose every
 * change (pause, retry, clean, add…) is recorded as an operator event before it is made. Never shown inside a frame.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type RequestHandler } from 'express';
import { allQueues, type Deps } from '../deps.js';
import { hasRole } from '../domain/roles.js';
import { AppError } from '../errors.js';
import { recordQueueChange } from '../moderation/operator-log.js';
import { authenticate, currentUser, requireRole } from './middleware/auth.js';

export const DASHBOARD_PATH = '/admin/queues';

function board(deps: Deps, readOnlyMode: boolean): Router {
  const serverAdapter = new ExpressAdapter().setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: allQueues(deps).map(([, queue]) => new BullMQAdapter(queue, { readOnlyMode })), serverAdapter });
  return serverAdapter.getRouter() as Router;
}

const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];

/** The router for the dashboard over every job queue, behind moderator authentication. */
export function queueDashboardRoutes(deps: Deps): Router {
  const readOnly = board(deps, true);
  const readWrite = board(deps, false);
  const noFraming: RequestHandler = (_req, res, next) => {
    res.set({ 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "frame-ancestors 'none'" });
    next();
  };
  const byRole: RequestHandler = async (req, res, next) => {
    const user = currentUser(req);
    if (!hasRole(user.role, 'admin')) {
      if (!SAFE_METHODS.includes(req.method))
        throw new AppError({ code: 'forbidden', message: 'the job dashboard is read-only for moderators; changes need the admin role' });
      return readOnly(req, res, next);
    }
    // Recorded before it is made: a change that cannot be recorded is not made (the error middleware answers).
    if (!SAFE_METHODS.includes(req.method)) {
      await recordQueueChange(deps, { adminId: user.id, path: req.path, method: req.method });
    }
    readWrite(req, res, next);
  };
  const router = Router();
  router.use(DASHBOARD_PATH, noFraming, authenticate(deps, { sessionCookie: true }), requireRole('moderator'), byRole);
  return router;
}
