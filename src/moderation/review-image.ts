/** Use cases for moderators: everything needed to decide one image, its reviewer-safe preview and its original. */
import type { Deps } from '../deps.js';
import { findImage, uploaderHistory, type ImageRow } from '../db/images.repository.js';
import { findAppeal, type AppealRow } from '../db/appeals.repository.js';
import { claimImage } from '../db/claims.repository.js';
import { DECISION_ACTIONS, planDecision, type DecisionAction } from '../domain/decisions.js';
import { listEventsForImage, type ModerationEventRow } from '../db/moderation-events.repository.js';
import { listReportsForImage, trackRecords, type ReportRow } from '../db/reports.repository.js';
import { scoreReports, type Score } from '../domain/reports.js';
import { readerReportWeight } from '../domain/readers.js';
import { isSuppressed, reportWeight, type TrackRecord } from '../domain/trust.js';
import { AppError, notFound } from '../errors.js';
import { StorageNotFoundError } from '../storage/storage.js';

export interface ReporterRecord extends TrackRecord {
  reporterId: string;
  /** The weight a new report from this reader would carry now. */
  currentWeight: number;
  suppressed: boolean;
}

export interface ReviewDetail {
  image: ImageRow;
  score: Score;
  reports: ReportRow[];
  reporters: ReporterRecord[];
  history: ModerationEventRow[];
  /** The uploader's appeal, answered or not. */
  appeal: AppealRow | null;
  /** The decisions the transition table allows from the image's status (domain/decisions.ts). */
  allowedActions: DecisionAction[];
  /** Who is reviewing the image: this moderator (now claimed for CLAIM_DURATION), or another one. */
  claim: { moderatorId: string; expiresAt: Date; mine: boolean };
  /** The uploader's images: how many per status, and the latest ten. */
  uploader: Awaited<ReturnType<typeof uploaderHistory>>;
}

/**
 * Opening the detail claims the image for `moderatorId` (CLAIM_DURATION) unless another moderator holds it.
 * @returns the image, the score of its open reports, all its reports (weight as it was when made), each
 *   reporter's track record, the audit history, and the uploader's appeal (or null)
 * @throws AppError 404 for an unknown image
 */
export async function getReviewDetail(deps: Pick<Deps, 'pool' | 'config'>, imageId: string, moderatorId: string): Promise<ReviewDetail> {
  const image = await findImage(deps.pool, imageId);
  if (!image) throw notFound('image');
  // Opening an image claims it for CLAIM_DURATION, unless another moderator holds it.
  const claim = await claimImage(deps.pool, { imageId, moderatorId, durationMs: deps.config.CLAIM_DURATION_MS });
  const reports = await listReportsForImage(deps.pool, imageId);
  const reporterIds = [...new Set(reports.map((report) => report.reporterId))];
  const records = await trackRecords(deps.pool, reporterIds);
  const reporters = reporterIds.map((reporterId) => {
    const track = records.get(reporterId) ?? { upheld: 0, dismissed: 0 };
    // What a new report from this reader would weigh, as the kind of reader they last reported as.
    const latest = reports.filter((report) => report.reporterId === reporterId).at(-1)!;
    const kind = latest.reporterKind ?? 'user';
    const currentWeight = readerReportWeight({
      kind,
      trustWeight: reportWeight(track),
      anonymousWeight: deps.config.ANONYMOUS_REPORT_WEIGHT,
      networkAlreadyCounted: false,
      newAccount: kind === 'signed' && (latest.lowTrust ?? false),
      newAccountWeight: deps.config.NEW_ACCOUNT_REPORT_WEIGHT,
    });
    return { reporterId, ...track, currentWeight, suppressed: isSuppressed(track) };
  });
  return {
    image,
    score: scoreReports(reports.filter((report) => report.status === 'open')),
    reports,
    reporters,
    history: await listEventsForImage(deps.pool, imageId),
    appeal: await findAppeal(deps.pool, imageId),
    allowedActions: DECISION_ACTIONS.filter((action) => planDecision(action, image.status) !== null),
    claim: { ...claim, mine: claim.moderatorId === moderatorId },
    uploader: await uploaderHistory(deps.pool, { uploaderId: image.uploaderId, limit: 10 }),
  };
}

/**
 * The review derivative made by the worker: blurred greyscale, a contact sheet of every frame for an
 * animation. Served whatever the image's status, so moderators can review blocked images safely.
 * @throws AppError 404 unknown or failed image; 410 `image_purged` once removed; 503 `image_processing` before it is made
 */
export async function getReviewPreview(deps: Pick<Deps, 'pool' | 'storage'>, imageId: string): Promise<Buffer> {
  const image = await findImage(deps.pool, imageId);
  if (!image) throw notFound('image');
  if (image.status === 'removed') throw purged();
  if (image.reviewKey) return deps.storage.get(image.reviewKey);
  if (image.status === 'failed') {
    throw new AppError({ code: 'image_unavailable', message: 'the image could not be processed' });
  }
  throw new AppError({ code: 'image_processing', message: 'the review image is still being made' });
}

function purged(): AppError {
  return new AppError({ code: 'image_purged', message: 'the image was removed and its bytes deleted' });
}

/**
 * The original bytes as uploaded and their type, for a moderator who explicitly asks to see them.
 * @throws AppError 404 `not_found` for an unknown id; 410 `image_purged` when the image was removed;
 *   404 `original_missing` when its bytes are gone from storage otherwise
 */
export async function getOriginal(deps: Pick<Deps, 'pool' | 'storage'>, imageId: string): Promise<{ bytes: Buffer; mimeType: string }> {
  const image = await findImage(deps.pool, imageId);
  if (!image) throw notFound('image');
  if (image.status === 'removed') throw purged();
  try {
    return { bytes: await deps.storage.get(image.storageKey), mimeType: image.mimeType };
  } catch (error) {
    if (error instanceof StorageNotFoundError) {
      throw new AppError({ code: 'original_missing', message: 'the original is missing from storage' });
    }
    throw error;
  }
}
