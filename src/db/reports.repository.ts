/** SQL for the reports table: one open report per (image, reporter), enforced by a partial unique index. */
import type { ReportOutcome } from '../domain/decisions.js';
import type { ImageStatus } from '../domain/image-status.js';
import type { JobTopic } from '../domain/job-topics.js';
import type { ReportReason } from '../domain/reports.js';
import type { ReaderKind, Weighing } from '../domain/readers.js';
import type { PolicyReport } from '../domain/threshold.js';
import type { TrackRecord } from '../domain/trust.js';
import type { Queryable } from './pool.js';
import { takesDeliveries } from './webhooks.repository.js';

export interface NewReport {
  id: string;
  imageId: string;
  reporterId: string;
  reporterRole: 'reader' | 'moderator';
  reason: ReportReason;
  note: string | null;
  weight: number;
  /** Default `user`: a first-party token. */
  reporterKind?: ReaderKind;
  /** Low-trust when made (anonymous, or a young signed account): the brigade guard watches their share. */
  lowTrust?: boolean;
  /** Keyed hash of an anonymous reader's identity network; null (the default) for other readers. */
  networkHash?: string | null;
  /** The reader had a proven record when reporting (domain/trust.ts isProven). */
  proven?: boolean;
  /** Keyed hash of the reader's guard network (signed and anonymous readers); never shown. */
  guardNetworkHash?: string | null;
  /** A signed reader's account_created_at claim. */
  accountCreatedAt?: Date | null;
  /** False when the picture had already left `visible`: the report never enters a track record. */
  countsForTrust?: boolean;
  /** The inputs of `weight` (domain/readers.ts weighReport). */
  weighing?: Weighing | null;
}

export interface ReportRow extends Required<NewReport> {
  status: 'open' | ReportOutcome;
  createdAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
}

/**
 * Inserts the report unless the reporter already has an open report on the image.
 * @returns `{ reportId, created }`: the new id, or the id of the existing open report with created=false
 */
export async function insertReportOnce(db: Queryable, report: NewReport): Promise<{ reportId: string; created: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO reports (id, image_id, reporter_id, reporter_role, reason, note, weight, reporter_kind, low_trust, network_hash,
                          proven, guard_network_hash, account_created_at, counts_for_trust, weighing)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (image_id, reporter_id) WHERE status = 'open' DO NOTHING RETURNING id`,
    reportValues(report),
  );
  if (inserted.rows[0]) return { reportId: inserted.rows[0].id, created: true };
  const existing = await db.query<{ id: string }>(`SELECT id FROM reports WHERE image_id = $1 AND reporter_id = $2 AND status = 'open'`, [
    report.imageId,
    report.reporterId,
  ]);
  return { reportId: existing.rows[0]!.id, created: false };
}

function reportValues(report: NewReport): unknown[] {
  return [
    report.id,
    report.imageId,
    report.reporterId,
    report.reporterRole,
    report.reason,
    report.note,
    report.weight,
    report.reporterKind ?? 'user',
    report.lowTrust ?? false,
    report.networkHash ?? null,
    report.proven ?? false,
    report.guardNetworkHash ?? null,
    report.accountCreatedAt ?? null,
    report.countsForTrust ?? true,
    report.weighing ? JSON.stringify(report.weighing) : null,
  ];
}

/** One report to record with its outbox row (insertReportsWithJobs). */
export interface ReportWithJob {
  report: Omit<NewReport, 'countsForTrust'>;
  /** The request the outbox row is written for (the job's log lines carry it). */
  requestId: string | null;
  /**
   * The `report.created` webhook event: one delivery per endpoint of the site that takes deliveries
   * (takesDeliveries) and is subscribed to it (none when absent).
   */
  webhookEvent?: { siteId: string; eventId: string; eventType: string; payload: Record<string, unknown> };
}

/** How insertReportsWithJobs writes: the outbox topic, and which statuses may be reported and auto-blocked. */
export interface ReportJobOptions {
  topic: JobTopic;
  reportable: readonly ImageStatus[];
  autoBlockable: readonly ImageStatus[];
  /**
   * Skip images whose row another session holds (a decision, an evaluation, a stuck session) instead of waiting:
   * their reports are answered as for an unknown image (status null), for the caller to write alone. A batch
   * uses it so that one held image does not hold up the reports on every other.
   */
  skipLocked?: boolean;
}

/**
 * Records reports and their outbox rows in one statement (one round trip, no transaction to open and close; several
 * concurrent reports share it, reports/report-image.ts): each under a share lock on its image (so a decision in
 * progress finishes first, and one that follows sees the report), only while the image's status is one of
 * `options.reportable`, unless the reader already has an open report on it. `counts_for_trust` is taken from the
 * status read under that lock. The images are share-locked in id order and the reports inserted in (image, reporter)
 * order, so two batches that race for one reader's report on the same images wait for each other instead of
 * deadlocking. Two reports of one reader on one image must not share a batch (the second would be answered as
 * nothing written).
 * @returns one answer per item, in the order given (status null: no such image, or skipped as held)
 */
export async function insertReportsWithJobs(
  db: Queryable,
  items: readonly ReportWithJob[],
  options: ReportJobOptions,
): Promise<Array<{ status: ImageStatus | null; reportId: string | null }>> {
  const rows = items.map((item) => reportValues(item.report).slice(0, 13));
  const column = (index: number) => rows.map((row) => row[index]);
  const hook = (pick: (event: NonNullable<ReportWithJob['webhookEvent']>) => unknown) =>
    items.map((item) => (item.webhookEvent ? pick(item.webhookEvent) : null));
  const result = await db.query<{ status: ImageStatus | null; reportId: string | null }>(
    `WITH asked AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::text[],
                            $9::boolean[], $10::text[], $11::boolean[], $12::text[], $13::timestamptz[], $14::jsonb[], $15::text[],
                            $16::text[], $17::text[], $18::text[], $19::jsonb[])
         WITH ORDINALITY AS a(id, image_id, reporter_id, reporter_role, reason, note, weight, reporter_kind, low_trust, network_hash,
                              proven, guard_network_hash, account_created_at, weighing, request_id,
                              hook_site_id, hook_event_id, hook_event_type, hook_payload, n)),
     image AS (SELECT id, status FROM images WHERE id IN (SELECT image_id FROM asked) ORDER BY id FOR SHARE${options.skipLocked ? ' SKIP LOCKED' : ''}),
     report AS (
       INSERT INTO reports (id, image_id, reporter_id, reporter_role, reason, note, weight, reporter_kind, low_trust, network_hash,
                            proven, guard_network_hash, account_created_at, counts_for_trust, weighing)
       SELECT a.id, a.image_id, a.reporter_id, a.reporter_role, a.reason, a.note, a.weight, a.reporter_kind, a.low_trust, a.network_hash,
              a.proven, a.guard_network_hash, a.account_created_at, image.status = ANY($20::text[]), a.weighing
         FROM asked a JOIN image ON image.id = a.image_id
        WHERE image.status = ANY($21::text[])
        ORDER BY a.image_id, a.reporter_id
       ON CONFLICT (image_id, reporter_id) WHERE status = 'open' DO NOTHING RETURNING id),
     job AS (
       INSERT INTO outbox (topic, image_id, request_id)
       SELECT $22::text, a.image_id, a.request_id FROM asked a JOIN report r ON r.id = a.id),
     hooks AS (
       INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, image_id, payload)
       SELECT w.id, a.hook_event_id, a.hook_event_type, a.image_id, a.hook_payload
         FROM asked a JOIN report r ON r.id = a.id
         JOIN webhook_endpoints w ON w.site_id = a.hook_site_id AND ${takesDeliveries('w')} AND a.hook_event_type = ANY (w.event_types))
     SELECT (SELECT status FROM image WHERE image.id = a.image_id) AS status, (SELECT id FROM report WHERE report.id = a.id) AS "reportId"
       FROM asked a ORDER BY a.n`,
    [
      ...Array.from({ length: 13 }, (_, index) => column(index)),
      items.map((item) => (item.report.weighing ? JSON.stringify(item.report.weighing) : null)),
      items.map((item) => item.requestId),
      hook((event) => event.siteId),
      hook((event) => event.eventId),
      hook((event) => event.eventType),
      hook((event) => JSON.stringify(event.payload)),
      options.autoBlockable,
      options.reportable,
      options.topic,
    ],
  );
  return result.rows;
}

/** The id of the reader's open report on the image, or null. */
export async function findOpenReportId(db: Queryable, query: { imageId: string; reporterId: string }): Promise<string | null> {
  const result = await db.query<{ id: string }>(`SELECT id FROM reports WHERE image_id = $1 AND reporter_id = $2 AND status = 'open'`, [
    query.imageId,
    query.reporterId,
  ]);
  return result.rows[0]?.id ?? null;
}

/**
 * The open reports of an image and of its near-duplicates, one per reporter, as the threshold and the brigade
 * guard see them: a reader who reported two copies of a picture counts once (their report on `imageId` itself
 * wins, else their earliest), and so does a network: only the first anonymous report of each network prefix
 * keeps its weight across all the copies (the others stay in the list, at weight 0, as burst evidence).
 * @param nearDuplicateIds other images whose reports count toward this one (images.repository listNearDuplicateIds)
 */
export async function listOpenReports(db: Queryable, imageId: string, nearDuplicateIds: readonly string[] = []): Promise<PolicyReport[]> {
  return (await listOpenReportsOfImages(db, [{ imageId, nearDuplicateIds }])).get(imageId) ?? [];
}

/**
 * listOpenReports for several images in one statement, for a batch of evaluations: each image's reports counted
 * exactly as listOpenReports counts them, as if asked alone.
 * @returns by image id, oldest first; an image with no open report is absent
 */
export async function listOpenReportsOfImages(
  db: Queryable,
  images: readonly { imageId: string; nearDuplicateIds: readonly string[] }[],
): Promise<Map<string, PolicyReport[]>> {
  const pairs = images.flatMap(({ imageId, nearDuplicateIds }) =>
    [imageId, ...nearDuplicateIds].map((source) => [imageId, source] as const),
  );
  const result = await db.query<PolicyReport & { target: string }>(
    `SELECT target, reason, reporter_role AS "reporterRole", reporter_kind AS "reporterKind", created_at AS "createdAt",
            CASE WHEN proven THEN 'proven' WHEN low_trust THEN 'low_trust' ELSE 'ordinary' END AS standing,
            guard_network_hash AS "guardNetwork", account_created_at AS "accountCreatedAt",
            CASE WHEN network_hash IS NOT NULL
                  AND row_number() OVER (PARTITION BY target, network_hash ORDER BY on_image DESC, weight DESC, created_at) > 1
                 THEN 0 ELSE weight END AS weight
     FROM (
       SELECT DISTINCT ON (asked.target, r.reporter_id) asked.target, r.reason, r.weight, r.reporter_role, r.reporter_kind,
              r.low_trust, r.proven, r.guard_network_hash, r.account_created_at, r.created_at, r.network_hash,
              r.image_id = asked.target AS on_image
       FROM unnest($1::uuid[], $2::uuid[]) AS asked(target, source)
       JOIN reports AS r ON r.image_id = asked.source AND r.status = 'open'
       ORDER BY asked.target, r.reporter_id, r.image_id = asked.target DESC, r.created_at
     ) one_per_reader
     ORDER BY target, created_at`,
    [pairs.map(([target]) => target), pairs.map(([, source]) => source)],
  );
  const byImage = new Map<string, PolicyReport[]>();
  for (const { target, ...report } of result.rows) {
    const reports = byImage.get(target) ?? [];
    if (reports.length === 0) byImage.set(target, reports);
    reports.push(report);
  }
  return byImage;
}

/** Every report of one image, oldest first, for the moderator's view. */
export async function listReportsForImage(db: Queryable, imageId: string): Promise<ReportRow[]> {
  const result = await db.query<ReportRow>(
    `SELECT id, image_id AS "imageId", reporter_id AS "reporterId", reporter_role AS "reporterRole", reason, note, weight,
            reporter_kind AS "reporterKind", low_trust AS "lowTrust", network_hash AS "networkHash", status, created_at AS "createdAt", decided_at AS "decidedAt", decided_by AS "decidedBy"
     FROM reports WHERE image_id = $1 ORDER BY created_at, id`,
    [imageId],
  );
  return result.rows;
}

/**
 * Decided reports of each reporter (upheld and dismissed, and when the latest dismissal was decided), counting
 * only reports that mattered (`counts_for_trust`: filed while the picture was still up); reporters with none
 * are absent from the map.
 */
export async function trackRecords(db: Queryable, reporterIds: readonly string[]): Promise<Map<string, TrackRecord>> {
  const result = await db.query<{ reporterId: string; upheld: number; dismissed: number; lastDismissedAt: Date | null }>(
    `SELECT reporter_id AS "reporterId",
            count(*) FILTER (WHERE status = 'upheld')::int AS upheld,
            count(*) FILTER (WHERE status = 'dismissed')::int AS dismissed,
            max(decided_at) FILTER (WHERE status = 'dismissed') AS "lastDismissedAt"
     FROM reports WHERE reporter_id = ANY($1::text[]) AND status <> 'open' AND counts_for_trust GROUP BY reporter_id`,
    [reporterIds],
  );
  return new Map(
    result.rows.map((row) => [row.reporterId, { upheld: row.upheld, dismissed: row.dismissed, lastDismissedAt: row.lastDismissedAt }]),
  );
}

/** What recording one report needs to know of its reader and image, read in one statement (reporterFacts). */
export interface ReporterFacts {
  /** The reader's open report on this image, if any: a second click is answered with it, nothing written. */
  openReportId: string | null;
  /** The reader's track record (reports decided while their pictures were up). */
  track: TrackRecord;
  /** Images on which the reader had a report dismissed within the last `cooldownHours` (usually none). */
  recentlyDismissedImageIds: string[];
  /** True when another open report with weight from this identity network is on the image already. */
  networkAlreadyCounted: boolean;
  /** The image's status, uploader and site as they were read, or null when there is no such image. */
  image: { status: ImageStatus; uploaderId: string; siteId: string } | null;
}

/** Which reader, image and network reporterFacts reads about. */
export interface ReporterFactsQuery {
  reporterId: string;
  imageId: string;
  /** The anonymous reader's identity network hash, or null. */
  networkHash: string | null;
}

/**
 * Everything a new report is weighed by, in one round trip: the reader's open report on the image (a
 * duplicate), their track record, their recent dismissals (the re-flag cooldown) and whether their network
 * already counts on the image (anonymous readers), and the image's status and uploader.
 */
export async function reporterFacts(db: Queryable, query: ReporterFactsQuery & { cooldownHours: number }): Promise<ReporterFacts> {
  return (await reporterFactsOf(db, [query], query.cooldownHours))[0]!;
}

/**
 * reporterFacts for several reports in one statement (a batch of concurrent reports): each answered exactly as
 * if asked alone, in the order asked.
 * @param cooldownHours REFLAG_COOLDOWN_HOURS: how far back a dismissal counts for the re-flag cooldown
 */
export async function reporterFactsOf(
  db: Queryable,
  queries: readonly ReporterFactsQuery[],
  cooldownHours: number,
): Promise<ReporterFacts[]> {
  const result = await db.query<{
    openReportId: string | null;
    upheld: number;
    dismissed: number;
    lastDismissedAt: Date | null;
    recentlyDismissedImageIds: string[];
    networkAlreadyCounted: boolean;
    imageStatus: ImageStatus | null;
    imageUploaderId: string | null;
    imageSiteId: string | null;
  }>(
    `SELECT (SELECT id FROM reports WHERE image_id = q.image_id AND reporter_id = q.reporter_id AND status = 'open') AS "openReportId",
            i.status AS "imageStatus", i.uploader_id AS "imageUploaderId", i.site_id AS "imageSiteId",
            t.upheld, t.dismissed, t.last_dismissed_at AS "lastDismissedAt",
            ARRAY(SELECT DISTINCT image_id::text FROM reports
                  WHERE reporter_id = q.reporter_id AND status = 'dismissed'
                    AND decided_at > now() - $4 * interval '1 hour') AS "recentlyDismissedImageIds",
            (q.network_hash IS NOT NULL AND EXISTS (
              SELECT 1 FROM reports WHERE image_id = q.image_id AND network_hash = q.network_hash AND status = 'open' AND weight > 0))
              AS "networkAlreadyCounted"
     FROM unnest($1::text[], $2::uuid[], $3::text[]) WITH ORDINALITY AS q(reporter_id, image_id, network_hash, n)
     LEFT JOIN images i ON i.id = q.image_id
     CROSS JOIN LATERAL (
       SELECT count(*) FILTER (WHERE status = 'upheld')::int AS upheld,
              count(*) FILTER (WHERE status = 'dismissed')::int AS dismissed,
              max(decided_at) FILTER (WHERE status = 'dismissed') AS last_dismissed_at
       FROM reports WHERE reporter_id = q.reporter_id AND status <> 'open' AND counts_for_trust) t
     ORDER BY q.n`,
    [queries.map((q) => q.reporterId), queries.map((q) => q.imageId), queries.map((q) => q.networkHash), cooldownHours],
  );
  return result.rows.map((row) => ({
    openReportId: row.openReportId,
    track: { upheld: row.upheld, dismissed: row.dismissed, lastDismissedAt: row.lastDismissedAt },
    recentlyDismissedImageIds: row.recentlyDismissedImageIds,
    networkAlreadyCounted: row.networkAlreadyCounted,
    image:
      row.imageStatus && row.imageUploaderId !== null && row.imageSiteId !== null
        ? { status: row.imageStatus, uploaderId: row.imageUploaderId, siteId: row.imageSiteId }
        : null,
  }));
}

/** Closes every open report of an image with the decision's outcome. @returns how many were closed */
export async function closeOpenReports(
  db: Queryable,
  close: { imageId: string; outcome: ReportOutcome; decidedBy: string },
): Promise<number> {
  const result = await db.query(
    `UPDATE reports SET status = $2, decided_at = now(), decided_by = $3 WHERE image_id = $1 AND status = 'open'`,
    [close.imageId, close.outcome, close.decidedBy],
  );
  return result.rowCount ?? 0;
}

/**
 * Turns reports upheld since `since` into dismissed ones: a restore that reverses an uphold also reverses
 * what the uphold taught about its reporters. @returns how many were reversed
 */
export async function reverseUpheldReports(db: Queryable, change: { imageId: string; since: Date; decidedBy: string }): Promise<number> {
  const result = await db.query(
    `UPDATE reports SET status = 'dismissed', decided_at = now(), decided_by = $3
     WHERE image_id = $1 AND status = 'upheld' AND decided_at >= $2`,
    [change.imageId, change.since, change.decidedBy],
  );
  return result.rowCount ?? 0;
}

/** A reader's own report as the reader sees it: no weight, no other reporters. */
export interface OwnReport {
  reportId: string;
  imageId: string;
  reason: ReportReason;
  note: string | null;
  outcome: 'open' | ReportOutcome;
  createdAt: Date;
  decidedAt: Date | null;
}

/** One reader's reports, newest first, at most `limit`. */
export async function listOwnReports(db: Queryable, query: { reporterId: string; limit: number }): Promise<OwnReport[]> {
  const result = await db.query<OwnReport>(
    `SELECT id AS "reportId", image_id AS "imageId", reason, note, status AS outcome, created_at AS "createdAt", decided_at AS "decidedAt"
     FROM reports WHERE reporter_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [query.reporterId, query.limit],
  );
  return result.rows;
}
