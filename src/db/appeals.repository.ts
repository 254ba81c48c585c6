/** SQL for appeals: one per image, by its uploader, answered by the moderator's decision. */
import type { Queryable } from './pool.js';

export interface AppealRow {
  imageId: string;
  uploaderId: string;
  message: string;
  createdAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  outcome: 'granted' | 'rejected' | null;
  response: string | null;
}

const COLUMNS = `image_id AS "imageId", uploader_id AS "uploaderId", message, created_at AS "createdAt", decided_at AS "decidedAt",
  decided_by AS "decidedBy", outcome, response`;

/** Stores an appeal unless the image has one. @returns the new appeal, or null when one existed */
export async function insertAppeal(
  db: Queryable,
  appeal: { imageId: string; uploaderId: string; message: string },
): Promise<AppealRow | null> {
  const result = await db.query<AppealRow>(
    `INSERT INTO appeals (image_id, uploader_id, message) VALUES ($1, $2, $3) ON CONFLICT (image_id) DO NOTHING RETURNING ${COLUMNS}`,
    [appeal.imageId, appeal.uploaderId, appeal.message],
  );
  return result.rows[0] ?? null;
}

/** The appeal of an image, or null. */
export async function findAppeal(db: Queryable, imageId: string): Promise<AppealRow | null> {
  const result = await db.query<AppealRow>(`SELECT ${COLUMNS} FROM appeals WHERE image_id = $1`, [imageId]);
  return result.rows[0] ?? null;
}

/** Answers the image's open appeal, if any. @returns true when there was one to answer */
export async function answerAppeal(
  db: Queryable,
  answer: { imageId: string; outcome: 'granted' | 'rejected'; decidedBy: string; response: string | null },
): Promise<boolean> {
  const result = await db.query(
    `UPDATE appeals SET decided_at = now(), decided_by = $3, outcome = $2, response = $4 WHERE image_id = $1 AND decided_at IS NULL`,
    [answer.imageId, answer.outcome, answer.decidedBy, answer.response],
  );
  return (result.rowCount ?? 0) > 0;
}
