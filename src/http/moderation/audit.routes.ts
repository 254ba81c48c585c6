/** Route: GET /v1/moderation/audit, the audit log filtered by image, actor and time. */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { auditLogPage } from '../../moderation/audit-log.js';
import { textField } from '../params.js';
import { pageLimit, parse } from './parse.js';

export const auditQuery = z.object({
  image: z.uuid().optional(),
  actor: textField(200).pipe(z.string().min(1)).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().optional(),
  limit: pageLimit,
});

/** The audit log route (behind the moderator guard). */
export function auditRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/v1/moderation/audit', async (req, res) => {
    const query = parse(auditQuery, req.query, 'audit query');
    const page = await auditLogPage(deps, {
      imageId: query.image,
      actor: query.actor,
      since: query.since ? new Date(query.since) : undefined,
      limit: query.limit,
      cursor: query.cursor,
    });
    res.json(page);
  });
  return router;
}
