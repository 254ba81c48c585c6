/** Route: POST /v1/images/:id/reports, a reader reports an image. */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { MAX_NOTE_LENGTH, REPORT_REASONS } from '../domain/reports.js';
import { badRequest } from '../errors.js';
import { reportImage } from '../moderation/report-image.js';
import { authenticate, currentUser } from './auth.js';
import { imageIdParam, textField } from './params.js';

const reportBody = z.strictObject({
  reason: z.enum(REPORT_REASONS),
  note: textField(MAX_NOTE_LENGTH).optional(),
});

export function reportsRoutes(deps: Deps): Router {
  const router = Router();
  router.post('/v1/images/:id/reports', authenticate(deps.config.JWT_SECRET), async (req, res) => {
    const imageId = imageIdParam(req.params.id);
    const body = reportBody.safeParse(req.body ?? {});
    if (!body.success) {
      throw badRequest(`invalid report: ${z.prettifyError(body.error).replaceAll('\n', ' ')}`, {
        reasons: REPORT_REASONS,
        maxNoteLength: MAX_NOTE_LENGTH,
      });
    }
    const user = currentUser(req);
    const result = await reportImage(deps, {
      imageId,
      reporterId: user.id,
      reporterRole: user.role,
      reason: body.data.reason,
      note: body.data.note || null,
    });
    res.status(result.duplicate ? 200 : 202).json(result);
  });
  return router;
}
