/** Use case: a reader reports an image. The report and the request to re-evaluate the image commit together. */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { findImage } from '../db/images.repository.js';
import { enqueueOutbox } from '../db/outbox.repository.js';
import { withTransaction } from '../db/pool.js';
import { insertReportOnce } from '../db/reports.repository.js';
import { isReportable } from '../domain/image-status.js';
import { DEFAULT_REPORT_WEIGHT, type ReportReason } from '../domain/reports.js';
import { AppError, notFound } from '../errors.js';

export interface ReportInput {
  imageId: string;
  reporterId: string;
  reason: ReportReason;
  note: string | null;
}

/**
 * Records one report per reader and image. A new report also writes an `evaluate-reports` outbox row in
 * the same transaction, so an accepted report is always evaluated even if Redis is down at that moment.
 * @returns `{ reportId, duplicate }`: duplicate=true when this reader already has an open report on the image
 * @throws AppError 404 `not_found` for an unknown image; 409 `image_not_reportable` for a removed or failed one
 */
export async function reportImage(
  deps: Pick<Deps, 'pool'>,
  input: ReportInput,
): Promise<{ reportId: string; duplicate: boolean }> {
  return withTransaction(deps.pool, async (client) => {
    const image = await findImage(client, input.imageId);
    if (!image) throw notFound('image');
    if (!isReportable(image.status)) {
      throw new AppError({
        code: 'image_not_reportable',
        httpStatus: 409,
        message: `this image can no longer be reported (status: ${image.status})`,
      });
    }
    const { reportId, created } = await insertReportOnce(client, {
      id: randomUUID(),
      imageId: input.imageId,
      reporterId: input.reporterId,
      reason: input.reason,
      note: input.note,
      weight: DEFAULT_REPORT_WEIGHT,
    });
    if (created) await enqueueOutbox(client, { topic: 'evaluate-reports', imageId: input.imageId });
    return { reportId, duplicate: !created };
  });
}
