/** Use case: a reader reports an image. The report and the request to re-evaluate the image commit together. */
import { randomUUID } from 'node:crypto';
import type { Role } from '../auth/tokens.js';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { enqueueOutbox } from '../db/outbox.repository.js';
import { demoReaderMayReport } from '../demo/demo-site.js';
import { withTransaction, type Queryable } from '../db/pool.js';
import { listNearDuplicateIds, lockImage, shareLockImage } from '../db/images.repository.js';
import { hasOpenReportFromNetwork, insertReportOnce, trackRecords, recentlyDismissedImageIds } from '../db/reports.repository.js';
import { isReportable } from '../domain/image-status.js';
import { isLowTrust, readerReportWeight, type ReaderKind } from '../domain/readers.js';
import type { ReportReason } from '../domain/reports.js';
import { reportWeight } from '../domain/trust.js';
import { AppError, notFound } from '../errors.js';

export interface ReportInput {
  imageId: string;
  reporterId: string;
  reporterRole: Role;
  reason: ReportReason;
  note: string | null;
  /** Default `user` (a first-party token). */
  reporterKind?: ReaderKind;
  /** A signed reader's `account_created_at` claim, when the site sends it. */
  accountCreatedAt?: Date | null;
  /** An anonymous reader's network hash. */
  networkHash?: string | null;
}

/**
 * The weight of this report, fixed when it is made: the reader's trust (domain/trust.ts), or 0 when the
 * reader's earlier report on this image was dismissed within REFLAG_COOLDOWN_HOURS. An anonymous report
 * weighs at most ANONYMOUS_REPORT_WEIGHT, and 0 when its network already counts on the image
 * (domain/readers.ts). A moderator's report weighs 1 and blocks through its role (domain/threshold.ts).
 */
/**
 * True when the reader had a report dismissed within REFLAG_COOLDOWN_HOURS on this picture: the image or one of
 * its near-duplicates (a copy uploaded after the restore is the same picture). The near-duplicate lookup only
 * runs for the rare reader with a recent dismissal.
 */
async function inCooldown(db: Queryable, input: ReportInput, config: Config): Promise<boolean> {
  const dismissed = await recentlyDismissedImageIds(db, { reporterId: input.reporterId, hours: config.REFLAG_COOLDOWN_HOURS });
  if (dismissed.length === 0) return false;
  if (dismissed.includes(input.imageId)) return true;
  const copies = await listNearDuplicateIds(db, input.imageId, config.PHASH_MATCH_DISTANCE);
  return copies.some((id) => dismissed.includes(id));
}

async function weighReport(db: Queryable, input: ReportInput, config: Config): Promise<number> {
  if (input.reporterRole === 'moderator') return 1;
  if (await inCooldown(db, input, config)) return 0;
  const track = (await trackRecords(db, [input.reporterId])).get(input.reporterId) ?? { upheld: 0, dismissed: 0 };
  const networkAlreadyCounted = input.networkHash ? await hasOpenReportFromNetwork(db, { imageId: input.imageId, networkHash: input.networkHash }) : false;
  const kind = input.reporterKind ?? 'user';
  return readerReportWeight({
    kind,
    trustWeight: reportWeight(track),
    anonymousWeight: config.ANONYMOUS_REPORT_WEIGHT,
    networkAlreadyCounted,
    newAccount: kind === 'signed' && isLowTrust({ kind, accountCreatedAt: input.accountCreatedAt ?? null }, new Date(), config.NEW_ACCOUNT_AGE),
    newAccountWeight: config.NEW_ACCOUNT_REPORT_WEIGHT,
  });
}

/**
 * Records one report per reader and image. A new report also writes an `evaluate-reports` outbox row in
 * the same transaction, so an accepted report is always evaluated even if Redis is down at that moment.
 * @returns `{ reportId, duplicate }`: duplicate=true when this reader already has an open report on the image
 * @throws AppError 404 `not_found` for an unknown image; 409 `image_not_reportable` for a removed or failed one;
 *   403 `demo_reader` when a demo reader reports anything but a demo photo
 */
export async function reportImage(
  deps: Pick<Deps, 'pool' | 'config'>,
  input: ReportInput,
): Promise<{ reportId: string; duplicate: boolean }> {
  return withTransaction(deps.pool, async (client) => {
    // A decision in progress on this image finishes first: a report never slips in beside a remove or restore.
    // An anonymous report takes the lock exclusively, so two readers of one network reporting at once count once.
    const image = input.networkHash ? await lockImage(client, input.imageId) : await shareLockImage(client, input.imageId);
    if (!image) throw notFound('image');
    if (!isReportable(image.status)) {
      throw new AppError({
        code: 'image_not_reportable',
        httpStatus: 409,
        message: `this image can no longer be reported (status: ${image.status})`,
      });
    }
    if (!demoReaderMayReport(input.reporterId, image.uploaderId)) {
      throw new AppError({ code: 'demo_reader', httpStatus: 403, message: 'demo readers may only report the demo page\'s photos' });
    }
    const { reportId, created } = await insertReportOnce(client, {
      id: randomUUID(),
      imageId: input.imageId,
      reporterId: input.reporterId,
      reporterRole: input.reporterRole,
      reason: input.reason,
      note: input.note,
      weight: await weighReport(client, input, deps.config),
      reporterKind: input.reporterKind ?? 'user',
      lowTrust: isLowTrust({ kind: input.reporterKind ?? 'user', accountCreatedAt: input.accountCreatedAt ?? null }, new Date(), deps.config.NEW_ACCOUNT_AGE),
      networkHash: input.networkHash ?? null,
    });
    if (created) await enqueueOutbox(client, { topic: 'evaluate-reports', imageId: input.imageId });
    return { reportId, duplicate: !created };
  });
}
