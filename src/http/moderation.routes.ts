/** Moderator-only routes: GET /v1/moderation/audit?image=<id>, an image's audit log. */
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { listEventsForImage } from '../db/moderation-events.repository.js';
import { authenticate, requireRole } from './auth.js';
import { imageIdParam } from './params.js';

export function moderationRoutes(deps: Deps): Router {
  const router = Router();
  router.use('/v1/moderation', authenticate(deps.config.JWT_SECRET), requireRole('moderator'));
  router.get('/v1/moderation/audit', async (req, res) => {
    const events = await listEventsForImage(deps.pool, imageIdParam(req.query.image));
    res.json({
      items: events.map((event) => ({ ...event, actor: event.actorId ?? 'system' })),
    });
  });
  return router;
}
