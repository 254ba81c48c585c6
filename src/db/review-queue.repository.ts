/** SQL for the review queues: keyset-paginated lists of images with their report counts. */
import { countsOpenReportsOnly, type QueueSort, type QueueState } from '../domain/review-queue.js';
import type { ReportReason } from '../domain/reports.js';
import type { Queryable } from './pool.js';

export interface QueueQuery {
  state: QueueState;
  reason?: ReportReason | undefined;
  /** Only this site's images; every site's when absent. */
  site?: string | undefined;
  sort: QueueSort;
  limit: number;
  /** The moment the walk through the queue started: scores are ranked as they were then. */
  asOf: Date;
  /** The sort key of the last item of the previous page: [sortValue, id]. */
  after?: readonly [string, string] | undefined;
}

export interface QueueItemRow {
  id: string;
  /** The site the image belongs to. */
  siteId: string;
  status: string;
  uploaderId: string;
  score: number;
  openReports: number;
  reports: number;
  byReason: Partial<Record<ReportReason, number>>;
  firstReportAt: Date | null;
  lastReportAt: Date | null;
  queuedAt: Date;
  /** True when the brigade guard held the image back (mostly low-trust reporters in a burst). */
  suspectedBrigade: boolean;
  /** True when the auto-block went unreviewed past REVIEW_DEADLINE. */
  overdue: boolean;
  /** The moderator who opened the image within CLAIM_DURATION, or null. */
  claimedBy: string | null;
  /** The sort value as PostgreSQL prints it (exact, for the cursor). */
  sortValue: string;
  /** For the score sort: the score of the image's own reports as of the walk's start. */
  rankScore: number;
}

const STATE_FILTERS: Record<QueueState, string> = {
  auto_blocked: `i.status = 'auto_blocked'`,
  overdue: `i.status = 'auto_blocked' AND i.review_overdue_at >= i.status_changed_at`,
  appealed: `EXISTS (SELECT 1 FROM appeals a WHERE a.image_id = i.id AND a.decided_at IS NULL)`,
  reported: `i.status = 'visible' AND EXISTS (SELECT 1 FROM reports o WHERE o.image_id = i.id AND o.status = 'open')`,
  blocked: `i.status = 'blocked'`,
  restored: `i.status = 'visible' AND i.restored_at IS NOT NULL`,
  removed: `i.status = 'removed'`,
};

const ORDER: Record<QueueSort, { column: string; direction: 'ASC' | 'DESC'; cast: string }> = {
  score: { column: 'rank_score', direction: 'DESC', cast: 'numeric' },
  oldest: { column: 'queued_at', direction: 'ASC', cast: 'timestamptz' },
  newest: { column: 'queued_at', direction: 'DESC', cast: 'timestamptz' },
};

/**
 * Lists one page of a review queue. Keyset pagination on (sort value, id). The score sort ranks images by
 * the score their own reports had at `asOf` (the start of the walk), a value that cannot change while a
 * moderator pages: an image that gains reports, or enters the queue, mid-walk is neither skipped nor
 * repeated (a newcomer ranks with the score it had then, 0 if it had no reports yet).
 * @returns up to `limit` items, in order
 */
export async function listQueue(db: Queryable, query: QueueQuery): Promise<QueueItemRow[]> {
  const order = ORDER[query.sort];
  const comparison = order.direction === 'DESC' ? '<' : '>';
  // In the reported queue an image is queued by its first open report; elsewhere by its last status change.
  const queuedAt = query.state === 'reported' ? 'r.first_report_at' : 'i.status_changed_at';
  const result = await db.query<QueueItemRow>(
    `SELECT q.id, q.site_id AS "siteId", q.status, q.uploader_id AS "uploaderId", q.score, q.open_reports AS "openReports", q.reports,
            q.by_reason AS "byReason", q.first_report_at AS "firstReportAt", q.last_report_at AS "lastReportAt",
            q.queued_at AS "queuedAt", q.suspected_brigade AS "suspectedBrigade", q.overdue,
            (SELECT c.moderator_id FROM claims c WHERE c.image_id = q.id AND c.expires_at > now()) AS "claimedBy",
            q.${order.column}::text AS "sortValue",
            q.rank_score AS "rankScore"
     FROM (
       SELECT i.id, i.site_id, i.status, i.uploader_id, i.score, r.open_reports, r.reports, COALESCE(g.by_reason, '{}'::jsonb) AS by_reason,
              r.first_report_at, r.last_report_at, ${queuedAt} AS queued_at, k.rank_score,
              i.suspected_brigade_at IS NOT NULL AS suspected_brigade,
              (i.status = 'auto_blocked' AND i.review_overdue_at IS NOT NULL AND i.review_overdue_at >= i.status_changed_at) AS overdue
       FROM images i
       CROSS JOIN LATERAL (
         SELECT count(*) FILTER (WHERE status = 'open')::int AS open_reports, count(*)::int AS reports,
                min(created_at) AS first_report_at, max(created_at) AS last_report_at
         FROM reports WHERE image_id = i.id AND (status = 'open' OR NOT $1)
       ) r
       CROSS JOIN LATERAL (
         SELECT COALESCE(sum(weight), 0) AS rank_score FROM reports
         WHERE image_id = i.id AND created_at <= $6 AND (status = 'open' OR decided_at > $6 OR NOT $1)
       ) k
       LEFT JOIN LATERAL (
         SELECT jsonb_object_agg(reason, n) AS by_reason FROM (
           SELECT reason, count(*)::int AS n FROM reports WHERE image_id = i.id AND (status = 'open' OR NOT $1) GROUP BY reason
         ) counts
       ) g ON true
       WHERE ${STATE_FILTERS[query.state]}
         AND ($2::text IS NULL OR EXISTS (
           SELECT 1 FROM reports x WHERE x.image_id = i.id AND x.reason = $2 AND (x.status = 'open' OR NOT $1)))
         AND ($7::text IS NULL OR i.site_id = $7)
     ) q
     WHERE $3::text IS NULL OR (q.${order.column}, q.id) ${comparison} ($3::${order.cast}, $4::uuid)
     ORDER BY q.${order.column} ${order.direction}, q.id ${order.direction}
     LIMIT $5`,
    [
      countsOpenReportsOnly(query.state),
      query.reason ?? null,
      query.after?.[0] ?? null,
      query.after?.[1] ?? null,
      query.limit,
      query.asOf,
      query.site ?? null,
    ],
  );
  return result.rows;
}

/** How many images each review queue holds now. */
export async function countQueues(db: Queryable): Promise<Record<QueueState, number>> {
  const result = await db.query<Record<QueueState, number>>(
    `SELECT count(*) FILTER (WHERE ${STATE_FILTERS.auto_blocked})::int AS auto_blocked,
            count(*) FILTER (WHERE ${STATE_FILTERS.overdue})::int AS overdue,
            count(*) FILTER (WHERE ${STATE_FILTERS.appealed})::int AS appealed,
            count(*) FILTER (WHERE ${STATE_FILTERS.reported})::int AS reported,
            count(*) FILTER (WHERE ${STATE_FILTERS.blocked})::int AS blocked,
            count(*) FILTER (WHERE ${STATE_FILTERS.restored})::int AS restored,
            count(*) FILTER (WHERE ${STATE_FILTERS.removed})::int AS removed
     FROM images i`,
  );
  return result.rows[0]!;
}
