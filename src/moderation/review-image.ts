/** Use cases for moderators: everything needed to decide one image, and its reviewer-safe preview. */
import type { Deps } from '../deps.js';
import { findImage, reviewPreviewKey, type ImageRow } from '../db/images.repository.js';
import { listEventsForImage, type ModerationEventRow } from '../db/moderation-events.repository.js';
import { listReportsForImage, trackRecords, type ReportRow } from '../db/reports.repository.js';
import { scoreReports, type Score } from '../domain/reports.js';
import { isSuppressed, reportWeight, type TrackRecord } from '../domain/trust.js';
import { AppError, notFound } from '../errors.js';
import { makeReviewPreview } from '../media/review.js';
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
}

/**
 * @returns the image, the score of its open reports, all its reports (weight as it was when made), each
 *   reporter's track record, and the audit history
 * @throws AppError 404 for an unknown image
 */
export async function getReviewDetail(deps: Pick<Deps, 'pool'>, imageId: string): Promise<ReviewDetail> {
  const image = await findImage(deps.pool, imageId);
  if (!image) throw notFound('image');
  const reports = await listReportsForImage(deps.pool, imageId);
  const reporterIds = [...new Set(reports.map((report) => report.reporterId))];
  const records = await trackRecords(deps.pool, reporterIds);
  const reporters = reporterIds.map((reporterId) => {
    const track = records.get(reporterId) ?? { upheld: 0, dismissed: 0 };
    return { reporterId, ...track, currentWeight: reportWeight(track), suppressed: isSuppressed(track) };
  });
  return {
    image,
    score: scoreReports(reports.filter((report) => report.status === 'open')),
    reports,
    reporters,
    history: await listEventsForImage(deps.pool, imageId),
  };
}

/**
 * The blurred greyscale preview of an image, made from the original on first request and cached in storage.
 * @throws AppError 404 for an unknown image, or 410 `image_purged` when its bytes were removed
 */
export async function getReviewPreview(deps: Pick<Deps, 'pool' | 'storage' | 'config'>, imageId: string): Promise<Buffer> {
  const image = await findImage(deps.pool, imageId);
  if (!image) throw notFound('image');
  if (image.status === 'removed') throw purged();
  const key = reviewPreviewKey(imageId);
  try {
    return await deps.storage.get(key);
  } catch (error) {
    if (!(error instanceof StorageNotFoundError)) throw error;
  }
  const preview = await makeReviewPreview(await getOriginal(deps, image), {
    maxInputPixels: deps.config.MAX_INPUT_PIXELS,
    timeoutMs: deps.config.JOB_TIMEOUT_MS,
  }).catch((error: unknown) => {
    throw new AppError({ code: 'image_unavailable', httpStatus: 404, message: `no preview: ${(error as Error).message}` });
  });
  await deps.storage.put(key, preview);
  return preview;
}

function purged(): AppError {
  return new AppError({ code: 'image_purged', httpStatus: 410, message: 'the image was removed and its bytes deleted' });
}

/**
 * The original bytes as uploaded, for a moderator who explicitly asks to see them.
 * @throws AppError 410 `image_purged` when the image was removed
 */
export async function getOriginal(deps: Pick<Deps, 'storage'>, image: ImageRow): Promise<Buffer> {
  if (image.status === 'removed') throw purged();
  try {
    return await deps.storage.get(image.storageKey);
  } catch (error) {
    if (error instanceof StorageNotFoundError) throw purged();
    throw error;
  }
}
