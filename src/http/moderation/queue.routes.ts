/** Routes: GET /v1/moderation/queue (one page of a review queue) and GET /v1/moderation/queue-counts. */
import { Router } from 'express';
import { z } from 'zod';
import { SITE_ID_PATTERN } from '../../domain/sites.js';
import type { Deps } from '../../deps.js';
import { REPORT_REASONS } from '../../domain/reports.js';
import { QUEUE_SORTS, QUEUE_STATES } from '../../domain/review-queue.js';
import { reviewQueueCounts, reviewQueuePage } from '../../moderation/review-queue.js';
import { pageLimit, parse, reviewLinks } from './parse.js';

export const queueQuery = z.object({
  state: z.enum(QUEUE_STATES).default('auto_blocked'),
  reason: z.enum(REPORT_REASONS).optional(),
  site: z.string().regex(SITE_ID_PATTERN).optional().meta({ description: "only this site's images" }),
  sort: z.enum(QUEUE_SORTS).default('score'),
  cursor: z.string().optional(),
  limit: pageLimit,
});

/** The review queue routes (behind the moderator guard). */
export function queueRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/v1/moderation/queue-counts', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ counts: await reviewQueueCounts(deps) });
  });
  router.get('/v1/moderation/queue', async (req, res) => {
    const query = parse(queueQuery, req.query, 'queue query');
    const page = await reviewQueuePage(deps, query);
    res.json({
      state: query.state,
      sort: query.sort,
      items: page.items.map((item) => ({ ...item, ...reviewLinks(item.id) })),
      nextCursor: page.nextCursor,
    });
  });
  return router;
}
