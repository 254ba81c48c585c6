/**
 * SQL for the gauges on /metrics: cluster-wide counts an operator watches. Each is one cheap statement; they
 * are read in the background every METRICS_REFRESH_MS (http/metrics.routes.ts), never per scrape.
 */
import type { Queryable } from './pool.js';

/** Images per status, e.g. { visible: 120, auto_blocked: 3 }. */
export async function countImagesByStatus(db: Queryable): Promise<Record<string, number>> {
  const result = await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM images GROUP BY status');
  return Object.fromEntries(result.rows.map((row) => [row.status, row.n]));
}

/** Outbox rows whose job has not run yet, and the age in seconds of the oldest of them (0 when none). */
export async function outboxBacklog(db: Queryable): Promise<{ pending: number; oldestAgeSeconds: number }> {
  const result = await db.query<{ pending: number; oldest_age_seconds: number | null }>(
    `SELECT count(*)::int AS pending, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS oldest_age_seconds
     FROM outbox WHERE done_at IS NULL`,
  );
  const row = result.rows[0]!;
  return { pending: row.pending, oldestAgeSeconds: Math.max(0, row.oldest_age_seconds ?? 0) };
}

/** Auto-blocked images not reviewed within `reviewDeadlineMs` of their block. */
export async function countOverdueReviews(db: Queryable, reviewDeadlineMs: number): Promise<number> {
  const result = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM images WHERE status = 'auto_blocked' AND status_changed_at < now() - $1 * interval '1 millisecond'`,
    [reviewDeadlineMs],
  );
  return result.rows[0]!.n;
}

/** Appeals no decision answered yet. */
export async function countOpenAppeals(db: Queryable): Promise<number> {
  const result = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM appeals WHERE decided_at IS NULL');
  return result.rows[0]!.n;
}
