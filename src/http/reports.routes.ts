/** Route: POST /v1/images/:id/reports, a reader (first-party, signed or anonymous) reports an image. */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { MAX_NOTE_LENGTH, REPORT_REASONS } from '../domain/reports.js';
import { badRequest } from '../errors.js';
import { countReport } from '../metrics.js';
import { createReportGate, submitReport } from '../reports/submit-report.js';
import { authenticateReader, currentReader, guardNetworkHash, type ReaderAuth } from './middleware/readers.js';
import { imageIdParam, textField } from './params.js';

export const reportBody = z.strictObject({
  reason: z.enum(REPORT_REASONS),
  note: textField(MAX_NOTE_LENGTH).optional(),
});

/** The router for POST /v1/images/:id/reports (any reader kind; rate-limited per reader and network). */
export function reportsRoutes(deps: Deps, auth: ReaderAuth): Router {
  const router = Router();
  const gate = createReportGate(deps);
  router.post('/v1/images/:id/reports', countReport, authenticateReader(auth), async (req, res) => {
    const imageId = imageIdParam(req.params.id);
    const body = reportBody.safeParse(req.body ?? {});
    if (!body.success) {
      throw badRequest(`invalid report: ${z.prettifyError(body.error).replaceAll('\n', ' ')}`, {
        reasons: REPORT_REASONS,
        maxNoteLength: MAX_NOTE_LENGTH,
      });
    }
    const reader = currentReader(req);
    const result = await submitReport(deps, gate, {
      reader,
      guardNetworkHash: guardNetworkHash(auth, req, reader),
      imageId,
      reason: body.data.reason,
      note: body.data.note || null,
    });
    res.status(result.duplicate ? 200 : 202).json(result);
  });
  return router;
}
