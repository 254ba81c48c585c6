/** SQL for the images table. Status changes are guarded UPDATEs: the caller learns whether it happened. */
import type { ImageStatus } from '../domain/image-status.js';
import type { Queryable } from './pool.js';

export interface ImageRow {
  id: string;
  uploaderId: string;
  status: ImageStatus;
  sha256: string;
  bytes: number;
  mimeType: string;
  format: string | null;
  width: number | null;
  height: number | null;
  frames: number;
  storageKey: string;
  thumbnailKey: string | null;
  failureReason: string | null;
  /** Sum of open report weights as of the last evaluation or decision. */
  score: number;
  statusChangedAt: Date;
  /** When a moderator last restored the image; null if never. */
  restoredAt: Date | null;
  /** When the brigade guard first held the image back for a moderator; null if never. */
  suspectedBrigadeAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, uploader_id AS "uploaderId", status, sha256, bytes, mime_type AS "mimeType", format, width, height,
  frames, storage_key AS "storageKey", thumbnail_key AS "thumbnailKey", failure_reason AS "failureReason",
  score, status_changed_at AS "statusChangedAt", restored_at AS "restoredAt",
  suspected_brigade_at AS "suspectedBrigadeAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Inserts a new image in status `processing`. */
export async function insertImage(
  db: Queryable,
  image: Pick<ImageRow, 'id' | 'uploaderId' | 'sha256' | 'bytes' | 'mimeType' | 'storageKey'>,
): Promise<ImageRow> {
  const result = await db.query<ImageRow>(
    `INSERT INTO images (id, uploader_id, status, sha256, bytes, mime_type, storage_key)
     VALUES ($1, $2, 'processing', $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [image.id, image.uploaderId, image.sha256, image.bytes, image.mimeType, image.storageKey],
  );
  return result.rows[0]!;
}

/** Reads one image, or null when the id is unknown. */
export async function findImage(db: Queryable, id: string): Promise<ImageRow | null> {
  const result = await db.query<ImageRow>(`SELECT ${COLUMNS} FROM images WHERE id = $1`, [id]);
  return result.rows[0] ?? null;
}

/** The newest image an uploader stored with these bytes (by SHA-256), or null. */
export async function findUploadedBytes(db: Queryable, query: { uploaderId: string; sha256: string }): Promise<ImageRow | null> {
  const result = await db.query<ImageRow>(
    `SELECT ${COLUMNS} FROM images WHERE uploader_id = $1 AND sha256 = $2 ORDER BY created_at DESC LIMIT 1`,
    [query.uploaderId, query.sha256],
  );
  return result.rows[0] ?? null;
}

/** Reads one image and locks its row until the transaction ends (concurrent lockers wait), or null. */
export async function lockImage(db: Queryable, id: string): Promise<ImageRow | null> {
  const result = await db.query<ImageRow>(`SELECT ${COLUMNS} FROM images WHERE id = $1 FOR UPDATE`, [id]);
  return result.rows[0] ?? null;
}

/** Records what the thumbnail worker learnt from the decoded image (dimensions after EXIF rotation). */
export async function recordDerivatives(
  db: Queryable,
  id: string,
  media: { format: string; width: number; height: number; frames: number; thumbnailKey: string },
): Promise<void> {
  await db.query(
    `UPDATE images SET format = $2, width = $3, height = $4, frames = $5, thumbnail_key = $6, updated_at = now()
     WHERE id = $1`,
    [id, media.format, media.width, media.height, media.frames, media.thumbnailKey],
  );
}

/**
 * Moves an image from one of `from` to `to`, only if its status is still one of `from`.
 * @param change.restored marks the image as restored by a moderator (restored_at = now)
 * @returns the status it had before, or null when it was in none of `from` (someone else moved it first)
 */
export async function transitionImage(
  db: Queryable,
  change: { id: string; from: readonly ImageStatus[]; to: ImageStatus; failureReason?: string; restored?: boolean },
): Promise<ImageStatus | null> {
  const result = await db.query<{ previous: ImageStatus }>(
    `UPDATE images AS i SET status = $3, failure_reason = COALESCE($4, i.failure_reason),
            restored_at = CASE WHEN $5 THEN now() ELSE i.restored_at END, status_changed_at = now(), updated_at = now()
     FROM (SELECT id, status FROM images WHERE id = $1 FOR UPDATE) AS before
     WHERE i.id = before.id AND before.status = ANY($2::text[])
     RETURNING before.status AS previous`,
    [change.id, change.from, change.to, change.failureReason ?? null, change.restored ?? false],
  );
  return result.rows[0]?.previous ?? null;
}

/** Every storage key an image may occupy: the original, the thumbnail and the review preview. */
export function storedKeys(image: Pick<ImageRow, 'id' | 'storageKey' | 'thumbnailKey'>): string[] {
  return [image.storageKey, image.thumbnailKey, reviewPreviewKey(image.id)].filter((key): key is string => key !== null);
}

/** Where the blurred review preview of an image is cached. */
export function reviewPreviewKey(imageId: string): string {
  return `review/${imageId}.webp`;
}

/** Records the score of the image's open reports (the review queue sorts by it). */
export async function setScore(db: Queryable, id: string, score: number): Promise<void> {
  await db.query('UPDATE images SET score = $2 WHERE id = $1 AND score IS DISTINCT FROM $2', [id, score]);
}

/**
 * Flags the image as a suspected brigade target (once), and records when the guard first held back an
 * auto-block (once).
 * @returns true when this call changed either: the first flag, or the first held-back block
 */
export async function flagSuspectedBrigade(db: Queryable, flag: { id: string; heldBack: boolean }): Promise<boolean> {
  const result = await db.query(
    `UPDATE images SET suspected_brigade_at = COALESCE(suspected_brigade_at, now()),
            brigade_held_back_at = CASE WHEN $2 THEN COALESCE(brigade_held_back_at, now()) ELSE brigade_held_back_at END
     WHERE id = $1 AND (suspected_brigade_at IS NULL OR ($2 AND brigade_held_back_at IS NULL))`,
    [flag.id, flag.heldBack],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Public visibility of images for the widget: id → status, for the ids that exist. */
export async function findStatuses(db: Queryable, ids: readonly string[]): Promise<Map<string, ImageStatus>> {
  const result = await db.query<{ id: string; status: ImageStatus }>('SELECT id, status FROM images WHERE id = ANY($1::uuid[])', [ids]);
  return new Map(result.rows.map((row) => [row.id, row.status]));
}
