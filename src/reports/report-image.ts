/** Use case: a reader reports an image. The report and the request to re-evaluate the image commit together. */
import { randomUUID } from 'node:crypto';
import type { Role } from '../auth/tokens.js';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { enqueueOutbox, wakeOutboxRelay } from '../db/outbox.repository.js';
import { withTransaction, type Queryable } from '../db/pool.js';
import { enqueueImageEvent, newImageEvent } from '../webhooks/events.js';
import { listNearDuplicateIds, lockImage } from '../db/images.repository.js';
import {
  findOpenReportId,
  insertReportOnce,
  insertReportsWithJobs,
  reporterFacts,
  reporterFactsOf,
  type ReporterFacts,
  type ReportJobOptions,
  type ReportWithJob,
} from '../db/reports.repository.js';
import { groupCommit, type GroupedCall } from '../group-commit.js';
import { recordReportBatch } from '../metrics.js';
import { demoReaderMayReport } from '../domain/demo-sandbox.js';
import { AUTO_BLOCKABLE_STATUSES, isReportable, REPORTABLE_STATUSES, type ImageStatus } from '../domain/image-status.js';
import { inReflagCooldown, isLowTrust, weighReport, type ReaderKind, type Weighing } from '../domain/readers.js';
import { reportPolicy } from '../domain/policy.js';
import { hasRole } from '../domain/roles.js';
import type { ReportReason } from '../domain/reports.js';
import { isProven, reportWeight } from '../domain/trust.js';
import { AppError, notFound } from '../errors.js';
import { siteMayAccess } from '../domain/sites.js';

export interface ReportInput {
  imageId: string;
  /** The site whose images the reader may report (auth/readers.ts readerImageScope); null: any (moderators). */
  siteId: string | null;
  reporterId: string;
  reporterRole: Role;
  reason: ReportReason;
  note: string | null;
  /** Default `user` (a first-party token). */
  reporterKind?: ReaderKind;
  /** A signed reader's `account_created_at` claim, when the site sends it. */
  accountCreatedAt?: Date | null;
  /** An anonymous reader's identity network hash ("one network counts once"). */
  networkHash?: string | null;
  /** The reader's guard network hash (signed and anonymous readers), for the brigade guard only. */
  guardNetworkHash?: string | null;
}

/**
 * What this report's weight is made of, fixed when it is made (domain/readers.ts Weighing), and whether its
 * reader is proven (domain/trust.ts isProven), from the facts read in one statement. The re-flag cooldown
 * (inReflagCooldown) looks up near-duplicates only for the rare reader with a recent dismissal.
 */
async function weighingOf(
  db: Queryable,
  input: ReportInput,
  facts: ReporterFacts,
  config: Config,
  now: Date,
): Promise<{ weighing: Weighing; proven: boolean }> {
  const kind = input.reporterKind ?? 'user';
  const role = hasRole(input.reporterRole, 'moderator') ? 'moderator' : 'reader';
  if (role === 'moderator') {
    return { weighing: { role, kind, trustWeight: 1, cooldown: false, networkAlreadyCounted: false, newAccount: false }, proven: false };
  }
  const dismissed = facts.recentlyDismissedImageIds;
  const copies =
    dismissed.length === 0 || dismissed.includes(input.imageId)
      ? []
      : await listNearDuplicateIds(db, input.imageId, config.PHASH_MATCH_DISTANCE);
  const weighing: Weighing = {
    role,
    kind,
    trustWeight: reportWeight(facts.track, now),
    cooldown: dismissed.length > 0 && inReflagCooldown(dismissed, input.imageId, copies),
    networkAlreadyCounted: facts.networkAlreadyCounted,
    newAccount: kind === 'signed' && isLowTrust({ kind, accountCreatedAt: input.accountCreatedAt ?? null }, now, config.NEW_ACCOUNT_AGE_MS),
  };
  return { weighing, proven: isProven(facts.track, now) };
}

/**
 * Refuses a report on a missing or removed image, on an image of a site the reader does not act on (the same 404
 * as a missing one), and a demo reader's report on anything but a demo photo.
 */
function checkReportable(image: { status: ImageStatus; uploaderId: string; siteId: string } | null, input: ReportInput): void {
  if (!image || !siteMayAccess(input.siteId, image.siteId)) throw notFound('image');
  if (!isReportable(image.status)) {
    throw new AppError({
      code: 'image_not_reportable',
      message: `this image can no longer be reported (status: ${image.status})`,
    });
  }
  if (!demoReaderMayReport(input.reporterId, image.uploaderId)) {
    throw new AppError({ code: 'demo_reader', message: "demo readers may only report the demo page's photos" });
  }
}

/** The report row to write for `input`, weighed by `weighing`. */
function newReport(input: ReportInput, weighing: Weighing, proven: boolean, config: Config, now: Date) {
  const kind = input.reporterKind ?? 'user';
  return {
    id: randomUUID(),
    imageId: input.imageId,
    reporterId: input.reporterId,
    reporterRole: hasRole(input.reporterRole, 'moderator') ? ('moderator' as const) : ('reader' as const),
    reason: input.reason,
    note: input.note,
    weight: weighReport(weighing, reportPolicy(config).weights),
    reporterKind: kind,
    lowTrust: isLowTrust({ kind, accountCreatedAt: input.accountCreatedAt ?? null }, now, config.NEW_ACCOUNT_AGE_MS),
    networkHash: input.networkHash ?? null,
    proven,
    guardNetworkHash: input.guardNetworkHash ?? null,
    accountCreatedAt: input.accountCreatedAt ?? null,
    weighing,
  };
}

/**
 * An anonymous reader's report, in a transaction under the image's row lock taken exclusively: two readers of
 * one network reporting at once are weighed one after the other, so their network counts once.
 */
async function reportUnderLock(
  deps: Pick<Deps, 'pool' | 'config'>,
  input: ReportInput,
): Promise<{ reportId: string; duplicate: boolean; siteId: string }> {
  return withTransaction(deps.pool, async (client) => {
    // Only an image of the reader's site is locked: another site's answers as a missing one, without its lock.
    const image = await lockImage(client, input.imageId, { siteId: input.siteId });
    checkReportable(image, input);
    const facts = await reporterFacts(client, {
      reporterId: input.reporterId,
      imageId: input.imageId,
      networkHash: input.networkHash ?? null,
      cooldownHours: deps.config.REFLAG_COOLDOWN_HOURS,
    });
    // A second click writes nothing: the open report answers it.
    if (facts.openReportId) return { reportId: facts.openReportId, duplicate: true, siteId: image!.siteId };
    const now = new Date();
    const { weighing, proven } = await weighingOf(client, input, facts, deps.config, now);
    const { reportId, created } = await insertReportOnce(client, {
      ...newReport(input, weighing, proven, deps.config, now),
      countsForTrust: AUTO_BLOCKABLE_STATUSES.includes(image!.status),
    });
    if (created) {
      await enqueueOutbox(client, { topic: 'evaluate-image', imageId: input.imageId });
      await enqueueImageEvent(client, {
        imageId: input.imageId,
        siteId: image!.siteId,
        type: 'report.created',
        data: { reportId, reason: input.reason },
      });
    }
    return { reportId, duplicate: !created, siteId: image!.siteId };
  });
}

type ReportResult = { reportId: string; duplicate: boolean; siteId: string };

/** What the read tells of one report in a batch: answered already (a duplicate, a refusal), or to be written. */
type Prepared = { answer: ReportResult } | { error: unknown } | { write: ReportWithJob; image: { uploaderId: string; siteId: string } };

const REPORT_JOB: ReportJobOptions = {
  topic: 'evaluate-image',
  reportable: REPORTABLE_STATUSES,
  autoBlockable: AUTO_BLOCKABLE_STATUSES,
};

async function prepare(deps: Pick<Deps, 'pool' | 'config'>, call: GroupedCall<ReportInput>, facts: ReporterFacts): Promise<Prepared> {
  const input = call.item;
  try {
    checkReportable(facts.image, input);
    const image = facts.image!;
    if (facts.openReportId) return { answer: { reportId: facts.openReportId, duplicate: true, siteId: image.siteId } };
    const now = new Date();
    const { weighing, proven } = await weighingOf(deps.pool, input, facts, deps.config, now);
    const report = newReport(input, weighing, proven, deps.config, now);
    // The report.created webhook deliveries are written by the same statement, only if the report is.
    const event = newImageEvent({ imageId: input.imageId, type: 'report.created', data: { reportId: report.id, reason: input.reason } });
    return {
      write: { report, requestId: call.requestId, webhookEvent: { siteId: image.siteId, ...event } },
      image: { uploaderId: image.uploaderId, siteId: image.siteId },
    };
  } catch (error) {
    return { error };
  }
}

/**
 * The answer to a report the write did not record: the image changed since the read, or the reader's other click
 * won. An open report with this report's own id is this report, written by a batch whose answer was lost (the
 * connection dropped after its commit): it is answered as new.
 */
async function notWritten(
  deps: Pick<Deps, 'pool'>,
  input: ReportInput,
  step: { write: ReportWithJob; image: { uploaderId: string; siteId: string } },
  status: ImageStatus | null,
): Promise<ReportResult> {
  checkReportable(status ? { status, ...step.image } : null, input);
  const open = await findOpenReportId(deps.pool, { imageId: input.imageId, reporterId: input.reporterId });
  if (!open) throw new AppError({ code: 'image_busy', message: 'the image changed while the report was recorded; try again' });
  return { reportId: open, duplicate: open !== step.write.report.id, siteId: step.image.siteId };
}

/**
 * Reports of any other reader, in two statements and no transaction for the whole batch: one read (each image and
 * reader's facts; a duplicate is answered from it, nothing written), then one write of the reports and their outbox
 * rows under share locks on the images that re-check their status (insertReportsWithJobs). The weighing uses facts
 * read a moment before the write; only the reader's own decided reports feed it, and a decision on an image cannot
 * slip between the write and its lock. An image another session holds is skipped by the batch and its report
 * written alone after it, so it does not hold up the others. When the batched read or write fails (a lost
 * connection, or one report the database refuses), each report of the batch is tried alone, so one cannot fail
 * the others (a retried write keeps its report id, so a report the lost write did commit is still answered as new).
 * @returns one answer per call, in order; a refused report's answer rejects with its AppError
 */
async function reportsInOneWrite(
  deps: Pick<Deps, 'pool' | 'config'>,
  calls: GroupedCall<ReportInput>[],
): Promise<Array<Promise<ReportResult>>> {
  let facts: ReporterFacts[];
  try {
    facts = await reporterFactsOf(
      deps.pool,
      calls.map(({ item }) => ({ reporterId: item.reporterId, imageId: item.imageId, networkHash: null })),
      deps.config.REFLAG_COOLDOWN_HOURS,
    );
  } catch (error) {
    // A failed read (a lost connection, a timeout) fails no report of a batch: each is tried alone.
    if (calls.length === 1) throw error;
    return calls.map(async (call) => (await reportsInOneWrite(deps, [call]))[0]!);
  }
  const prepared = await Promise.all(calls.map((call, i) => prepare(deps, call, facts[i]!)));
  const writes = prepared.flatMap((step) => ('write' in step ? [step.write] : []));
  let written: Awaited<ReturnType<typeof insertReportsWithJobs>> | null;
  try {
    written = writes.length > 0 ? await insertReportsWithJobs(deps.pool, writes, { ...REPORT_JOB, skipLocked: true }) : [];
  } catch (error) {
    // A failed write fails no report of a batch either: each is written alone below, with the same report id.
    if (calls.length === 1) throw error;
    written = null;
  }
  let next = 0;
  return prepared.map(async (step, i) => {
    if ('answer' in step) return step.answer;
    if ('error' in step) throw step.error;
    let { reportId, status } = written?.[next++] ?? { reportId: null, status: null };
    // Skipped because another session holds the image (even a batch of one skips: a batch that waited would hold
    // up every report behind it), or the batch's write failed: written alone, waiting for the lock as a lone
    // report does.
    if (status === null) ({ reportId, status } = (await insertReportsWithJobs(deps.pool, [step.write], REPORT_JOB))[0]!);
    if (reportId) return { reportId, duplicate: false, siteId: step.image.siteId };
    return notWritten(deps, calls[i]!.item, step, status);
  });
}

/** Most reports one batch writes: bounds the statement and the image locks it holds at once. */
const MAX_REPORTS_PER_WRITE = 100;

/**
 * The group commit of reportsInOneWrite, one per pool and config: the reports that arrive while a batch is at the
 * database go together in the next. A reader's second click on the same image waits for the next batch (it is
 * answered as a duplicate there).
 */
const reportBatches = new WeakMap<object, WeakMap<Config, (input: ReportInput) => Promise<ReportResult>>>();

function reportInOneWrite(deps: Pick<Deps, 'pool' | 'config'>, input: ReportInput): Promise<ReportResult> {
  let byConfig = reportBatches.get(deps.pool);
  if (!byConfig) reportBatches.set(deps.pool, (byConfig = new WeakMap()));
  let batched = byConfig.get(deps.config);
  if (!batched) {
    const own = { pool: deps.pool, config: deps.config };
    batched = groupCommit<ReportInput, ReportResult>({
      keyOf: (item) => `${item.imageId} ${item.reporterId}`,
      run: (calls) => {
        recordReportBatch(calls.length);
        return reportsInOneWrite(own, calls);
      },
      maxBatch: MAX_REPORTS_PER_WRITE,
    });
    byConfig.set(deps.config, batched);
  }
  return batched(input);
}

/**
 * Records one report per reader and image. A new report also writes an `evaluate-image` outbox row atomically
 * with it, so an accepted report is always evaluated even if Redis is down at that moment.
 * The weight (domain/readers.ts weighReport) and the reader's standing are fixed now; a report on a picture that
 * is no longer up is kept as evidence but never enters its reader's track record.
 * @returns `{ reportId, duplicate }`: duplicate=true when this reader already has an open report on the image
 * @throws AppError 404 `not_found` for an unknown image; 409 `image_not_reportable` for a removed or failed one;
 *   403 `demo_reader` when a demo reader reports anything but a demo photo
 */
export async function reportImage(
  deps: Pick<Deps, 'pool' | 'config'>,
  input: ReportInput,
): Promise<{ reportId: string; duplicate: boolean; siteId: string }> {
  const result = input.networkHash ? await reportUnderLock(deps, input) : await reportInOneWrite(deps, input);
  if (!result.duplicate) wakeOutboxRelay(deps.pool);
  return result;
}
