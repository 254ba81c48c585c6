/**
 * Use case: a reader's report as it arrives over the reader API. Counts it against the reader's rate limits,
 * waits its turn on the image (a bounded line per image), records it (report-image.ts), and gives the rate
 * limit point back when nothing was recorded: a duplicate click, a refused report, an outage.
 */
import type { Deps } from '../deps.js';
import { readerImageScope, type Reader } from '../auth/readers.js';
import { recordSiteReport } from '../metrics.js';
import type { ReportReason } from '../domain/reports.js';
import { perKeyLimit, type PerKeyLimit } from './per-image-limit.js';
import { reportRateLimiter, type ReportRateLimiter } from './rate-limits.js';
import { reportImage, type ReportInput } from './report-image.js';

/** What every report passes through before it is recorded; built once per API process. */
export interface ReportGate {
  rateLimiter: ReportRateLimiter;
  perImage: PerKeyLimit;
}

/** Concurrent reports on one image in this process; the rest wait in line (see createReportGate). */
const REPORTS_AT_ONCE_PER_IMAGE = 4;

/**
 * Builds the gate: the Redis-backed rate limits, and a line per image. Reports on one image serialise on its
 * row lock anyway: four at a time keep the line moving, and an image whose lock is stuck ties up four of the
 * pool's connections, not all of them. A report waits in line no longer than it would wait for the lock itself
 * (DB_LOCK_TIMEOUT_MS).
 */
export function createReportGate(deps: Pick<Deps, 'redis' | 'config' | 'logger'>): ReportGate {
  return {
    rateLimiter: reportRateLimiter(deps),
    perImage: perKeyLimit({ limit: REPORTS_AT_ONCE_PER_IMAGE, maxWaitMs: deps.config.DB_LOCK_TIMEOUT_MS }),
  };
}

/** The reporter fields of a report from its reader. */
function reporterOf(reader: Reader, guardNetworkHash: string | null): Omit<ReportInput, 'imageId' | 'reason' | 'note'> {
  return {
    siteId: readerImageScope(reader),
    guardNetworkHash,
    reporterId: reader.id,
    reporterRole: reader.kind === 'user' ? reader.role : 'reader',
    reporterKind: reader.kind,
    accountCreatedAt: reader.kind === 'signed' ? reader.accountCreatedAt : null,
    networkHash: reader.kind === 'anonymous' ? reader.networkHash : null,
  };
}

/**
 * Rate-limits, then records one report.
 * @param input.guardNetworkHash the keyed hash of the reader's guard network (http/middleware/readers.ts)
 * @returns `{ reportId, duplicate }` as reportImage
 * @throws AppError 429 `rate_limited`; 503 `image_busy` after waiting too long in the image's line; whatever
 *   reportImage throws (404, 409, 403, outages). The rate limit point is refunded for every throw but 429.
 */
export async function submitReport(
  deps: Pick<Deps, 'pool' | 'config'>,
  gate: ReportGate,
  input: { reader: Reader; guardNetworkHash: string | null; imageId: string; reason: ReportReason; note: string | null },
): Promise<{ reportId: string; duplicate: boolean }> {
  await gate.rateLimiter.check(input.reader);
  let result;
  try {
    result = await gate.perImage.run(input.imageId, () =>
      reportImage(deps, {
        imageId: input.imageId,
        reason: input.reason,
        note: input.note,
        ...reporterOf(input.reader, input.guardNetworkHash),
      }),
    );
  } catch (error) {
    // A report that was refused, or not recorded because of an outage or a busy image (503), costs nothing:
    // a reader retrying after Retry-After must not run into 429.
    await gate.rateLimiter.refund(input.reader);
    throw error;
  }
  if (result.duplicate) await gate.rateLimiter.refund(input.reader);
  else recordSiteReport(result.siteId);
  return { reportId: result.reportId, duplicate: result.duplicate };
}
