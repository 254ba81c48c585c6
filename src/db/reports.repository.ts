/** SQL for the reports table: one open report per (image, reporter), enforced by a partial unique index. */
import type { OpenReport, ReportReason } from '../domain/reports.js';
import type { Queryable } from './pool.js';

export interface NewReport {
  id: string;
  imageId: string;
  reporterId: string;
  reason: ReportReason;
  note: string | null;
  weight: number;
}

/**
 * Inserts the report unless the reporter already has an open report on the image.
 * @returns `{ reportId, created }`: the new id, or the id of the existing open report with created=false
 */
export async function insertReportOnce(db: Queryable, report: NewReport): Promise<{ reportId: string; created: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO reports (id, image_id, reporter_id, reason, note, weight) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (image_id, reporter_id) WHERE status = 'open' DO NOTHING RETURNING id`,
    [report.id, report.imageId, report.reporterId, report.reason, report.note, report.weight],
  );
  if (inserted.rows[0]) return { reportId: inserted.rows[0].id, created: true };
  const existing = await db.query<{ id: string }>(
    `SELECT id FROM reports WHERE image_id = $1 AND reporter_id = $2 AND status = 'open'`,
    [report.imageId, report.reporterId],
  );
  return { reportId: existing.rows[0]!.id, created: false };
}

/**
 * The open reports of an image and of its near-duplicates, one per reporter: a reader who reported two
 * copies of a picture counts once (their report on `imageId` itself wins, else their earliest).
 * @param nearDuplicateIds other images whose reports count toward this one (images.repository listNearDuplicateIds)
 */
export async function listOpenReports(db: Queryable, imageId: string, nearDuplicateIds: readonly string[] = []): Promise<OpenReport[]> {
  const result = await db.query<OpenReport>(
    `SELECT DISTINCT ON (reporter_id) reason, weight FROM reports
     WHERE image_id = ANY($1::uuid[]) AND status = 'open'
     ORDER BY reporter_id, image_id = $2 DESC, created_at`,
    [[imageId, ...nearDuplicateIds], imageId],
  );
  return result.rows;
}
