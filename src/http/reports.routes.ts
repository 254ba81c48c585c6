/** Route: POST /v1/images/:id/reports, a reader (first-party, signed or anonymous) reports an image. */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { MAX_NOTE_LENGTH, REPORT_REASONS } from '../domain/reports.js';
import { AppError, badRequest } from '../errors.js';
import { reportImage, type ReportInput } from '../moderation/report-image.js';
import { imageIdParam, textField } from './params.js';
import { reportRateLimiter } from './rate-limits.js';
import { authenticateReader, currentReader, guardNetworkHash, type Reader, type ReaderAuth } from './readers.js';

const reportBody = z.strictObject({
  reason: z.enum(REPORT_REASONS),
  note: textField(MAX_NOTE_LENGTH).optional(),
});

/** The reporter fields of a report from its reader. */
function reporterOf(
  reader: Reader,
  guardNetwork: string | null,
): Pick<ReportInput, 'reporterId' | 'reporterRole' | 'reporterKind' | 'accountCreatedAt' | 'networkHash' | 'guardNetworkHash'> {
  return {
    guardNetworkHash: guardNetwork,
    reporterId: reader.id,
    reporterRole: reader.kind === 'user' ? reader.role : 'reader',
    reporterKind: reader.kind,
    accountCreatedAt: reader.kind === 'signed' ? reader.accountCreatedAt : null,
    networkHash: reader.kind === 'anonymous' ? reader.networkHash : null,
  };
}

/** The router for POST /v1/images/:id/reports (any reader kind; rate-limited per reader and network). */
export function reportsRoutes(deps: Deps, auth: ReaderAuth): Router {
  const router = Router();
  const rateLimiter = reportRateLimiter(deps);
  router.post('/v1/images/:id/reports', authenticateReader(auth), async (req, res) => {
    const imageId = imageIdParam(req.params.id);
    const body = reportBody.safeParse(req.body ?? {});
    if (!body.success) {
      throw badRequest(`invalid report: ${z.prettifyError(body.error).replaceAll('\n', ' ')}`, {
        reasons: REPORT_REASONS,
        maxNoteLength: MAX_NOTE_LENGTH,
      });
    }
    const reader = currentReader(req);
    await rateLimiter.check(reader, res);
    let result;
    try {
      result = await reportImage(deps, { imageId, ...reporterOf(reader, guardNetworkHash(auth, req, reader)), reason: body.data.reason, note: body.data.note || null });
    } catch (error) {
      // A report that was refused recorded nothing, so it costs nothing.
      if (error instanceof AppError && error.httpStatus < 500) await rateLimiter.refund(reader);
      throw error;
    }
    if (result.duplicate) await rateLimiter.refund(reader);
    res.status(result.duplicate ? 200 : 202).json(result);
  });
  return router;
}
