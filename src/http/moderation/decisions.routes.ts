/** Routes: POST /v1/moderation/images/:id/decision (one image) and POST /v1/moderation/decisions (bulk). */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { DECISION_ACTIONS } from '../../domain/decisions.js';
import { IMAGE_STATUSES } from '../../domain/image-status.js';
import { decideImage, decideImages, MAX_BULK_DECISION } from '../../moderation/decide.js';
import { currentUser } from '../middleware/auth.js';
import { imageIdParam, textField } from '../params.js';
import { parse } from './parse.js';

export const decisionBody = z.strictObject({
  action: z.enum(DECISION_ACTIONS),
  note: textField(1000).optional(),
  /** The status the moderator saw; an image no longer in it is refused (409 status_changed). */
  expectedStatus: z.enum(IMAGE_STATUSES).optional(),
});

export const bulkBody = decisionBody.extend({
  ids: z
    .array(z.uuid().transform((id) => id.toLowerCase()))
    .min(1)
    .max(MAX_BULK_DECISION),
});

/** The decision routes (behind the moderator guard). */
export function decisionsRoutes(deps: Deps): Router {
  const router = Router();
  router.post('/v1/moderation/images/:id/decision', async (req, res) => {
    const body = parse(decisionBody, req.body, 'decision');
    const { note, ...decision } = body;
    res.json(
      await decideImage(deps, { ...decision, note: note || null, imageId: imageIdParam(req.params.id), moderatorId: currentUser(req).id }),
    );
  });
  router.post('/v1/moderation/decisions', async (req, res) => {
    const { ids, note, ...decision } = parse(bulkBody, req.body, `bulk decision (1 to ${MAX_BULK_DECISION} ids)`);
    res.json({ results: await decideImages(deps, { ...decision, note: note || null, imageIds: ids, moderatorId: currentUser(req).id }) });
  });
  return router;
}
