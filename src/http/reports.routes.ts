/** Route: POST /v1/images/:id/reports, a reader (first-party, signed or anonymous) reports an image. */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { MAX_NOTE_LENGTH, REPORT_REASONS } from '../domain/reports.js';
import { badRequest } from '../errors.js';
import { reportImage, type ReportInput } from '../moderation/report-image.js';
import { countReport } from '../metrics.js';
import { imageIdParam, textField } from './params.js';
import { perKeyLimit } from './per-key-limit.js';
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
  // Reports on one image serialise on its row lock anyway: four at a time keep the line moving, and an image
  // whose lock is stuck ties up four of the pool's connections, not all of them. A report waits in line no
  // longer than it would wait for the lock itself.
  const perImage = perKeyLimit({ limit: 4, maxWaitMs: deps.config.DB_LOCK_TIMEOUT_MS });
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
    await rateLimiter.check(reader, res);
    let result;
    try {
      result = await perImage.run(imageId, () =>
        reportImage(deps, { imageId, ...reporterOf(reader, guardNetworkHash(auth, req, reader)), reason: body.data.reason, note: body.data.note || null }),
      );
    } catch (error) {
      // A report that was refused, or not recorded because of an outage or a busy image (503), costs nothing:
      // a reader retrying after Retry-After must not run into 429.
      await rateLimiter.refund(reader);
      throw error;
    }
    if (result.duplicate) await rateLimiter.refund(reader);
    res.status(result.duplicate ? 200 : 202).json(result);
  });
  return router;
}
