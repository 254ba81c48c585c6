/** Use case: a reader reports an image. The report and the request to re-evaluate the image commit together. */
import { randomUUID } from 'node:crypto';
import type { Role } from '../auth/tokens.js';
import type { Deps } from '../deps.js';
import { shareLockImage } from '../db/images.repository.js';
import { enqueueOutbox } from '../db/outbox.repository.js';
import { withTransaction, type Queryable } from '../db/pool.js';
import { insertReportOnce, trackRecords, wasDismissedWithin } from '../db/reports.repository.js';
import { isReportable } from '../domain/image-status.js';
import type { ReportReason } from '../domain/reports.js';
import { reportWeight } from '../domain/trust.js';
import { AppError, notFound } from '../errors.js';

export interface ReportInput {
  imageId: string;
  reporterId: string;
  reporterRole: Role;
  reason: ReportReason;
  note: string | null;
}

/**
 * The weight of this report, fixed when it is made: the reader's trust (domain/trust.ts), or 0 when the
 * reader's earlier report on this image was dismissed within REFLAG_COOLDOWN_HOURS. A moderator's report
 * weighs 1 and blocks through its role (domain/threshold.ts).
 */
async function weighReport(db: Queryable, input: ReportInput, cooldownHours: number): Promise<number> {
  if (input.reporterRole === 'moderator') return 1;
  if (await wasDismissedWithin(db, { imageId: input.imageId, reporterId: input.reporterId, hours: cooldownHours })) return 0;
  const track = (await trackRecords(db, [input.reporterId])).get(input.reporterId) ?? { upheld: 0, dismissed: 0 };
  return reportWeight(track);
}

/**
 * Records one report per reader and image. A new report also writes an `evaluate-reports` outbox row in
 * the same transaction, so an accepted report is always evaluated even if Redis is down at that moment.
 * @returns `{ reportId, duplicate }`: duplicate=true when this reader already has an open report on the image
 * @throws AppError 404 `not_found` for an unknown image; 409 `image_not_reportable` for a removed or failed one
 */
export async function reportImage(
  deps: Pick<Deps, 'pool' | 'config'>,
  input: ReportInput,
): Promise<{ reportId: string; duplicate: boolean }> {
  return withTransaction(deps.pool, async (client) => {
    // A decision in progress on this image finishes first: a report never slips in beside a remove or restore.
    const image = await shareLockImage(client, input.imageId);
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
      reporterRole: input.reporterRole,
      reason: input.reason,
      note: input.note,
      weight: await weighReport(client, input, deps.config.REFLAG_COOLDOWN_HOURS),
    });
    if (created) await enqueueOutbox(client, { topic: 'evaluate-reports', imageId: input.imageId });
    return { reportId, duplicate: !created };
  });
}
