/** SQL for the images table. Status changes are guarded UPDATEs: the caller learns whether it happened. */
import type { ImageStatus } from '../domain/image-status.js';
import type { JobTopic } from '../domain/job-topics.js';
import { ORIENTATIONS, PDQ_MIN_QUALITY, pdqToHex, type PdqHash } from '../domain/pdq.js';
import type { CropName } from '../domain/pdq-matching.js';
import type { Queryable } from './pool.js';
import { SITE_COLUMNS, type SiteRow } from './sites.repository.js';
import { takesDeliveries } from './webhooks.repository.js';

export interface ImageRow {
  id: string;
  /** The site the image belongs to (`default`: the first-party site). */
  siteId: string;
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
  /** The served derivative; null until processed (the original itself is never served). */
  displayKey: string | null;
  displayMimeType: string | null;
  /** The moderator's blurred review derivative (a contact sheet for animations). */
  reviewKey: string | null;
  failureReason: string | null;
  /** Sum of open report weights as of the last evaluation or decision. */
  score: number;
  statusChangedAt: Date;
  /** When a moderator last restored the image; null if never. */
  restoredAt: Date | null;
  /** When the brigade guard first held the image back for a moderator; null if never. */
  suspectedBrigadeAt: Date | null;
  /** The site's own id for the image (registration by URL), unique; null when none was given. */
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, site_id AS "siteId", uploader_id AS "uploaderId", status, sha256, bytes, mime_type AS "mimeType", format, width, height,
  frames, storage_key AS "storageKey", thumbnail_key AS "thumbnailKey", display_key AS "displayKey",
  display_mime_type AS "displayMimeType", review_key AS "reviewKey", failure_reason AS "failureReason",
  score, status_changed_at AS "statusChangedAt", restored_at AS "restoredAt",
  suspected_brigade_at AS "suspectedBrigadeAt", external_id AS "externalId", created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * Inserts a new image of a site in status `processing`.
 * @throws pg's unique violation (23505) for an external id the site already uses
 */
export async function insertImage(
  db: Queryable,
  image: Pick<ImageRow, 'id' | 'siteId' | 'uploaderId' | 'sha256' | 'bytes' | 'mimeType' | 'storageKey'> & { externalId?: string | null },
): Promise<ImageRow> {
  const result = await db.query<ImageRow>(
    `INSERT INTO images (id, site_id, uploader_id, status, sha256, bytes, mime_type, storage_key, external_id)
     VALUES ($1, $2, $3, 'processing', $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [image.id, image.siteId, image.uploaderId, image.sha256, image.bytes, image.mimeType, image.storageKey, image.externalId ?? null],
  );
  return result.rows[0]!;
}

/**
 * One page of images, newest first: a site's, or every site's when `siteId` is null. Keyset on
 * (created_at, id), `after` being the last row of the previous page (created_at as PostgreSQL prints it).
 * @returns the rows and each one's sort key
 */
export async function listImagesPage(
  db: Queryable,
  query: { siteId: string | null; after: { createdAt: string; id: string } | null; limit: number },
): Promise<(ImageRow & { sortKey: string })[]> {
  const result = await db.query<ImageRow & { sortKey: string }>(
    `SELECT ${COLUMNS}, created_at::text AS "sortKey" FROM images
     WHERE ($1::text IS NULL OR site_id = $1) AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $4`,
    [query.siteId, query.after?.createdAt ?? null, query.after?.id ?? null, query.limit],
  );
  return result.rows;
}

/** Reads the image a site registered with this external id, or null. */
export async function findImageByExternalId(db: Queryable, query: { siteId: string; externalId: string }): Promise<ImageRow | null> {
  const result = await db.query<ImageRow>(`SELECT ${COLUMNS} FROM images WHERE site_id = $1 AND external_id = $2`, [
    query.siteId,
    query.externalId,
  ]);
  return result.rows[0] ?? null;
}

/** Reads one image, or null when the id is unknown. */
export async function findImage(db: Queryable, id: string): Promise<ImageRow | null> {
  const result = await db.query<ImageRow>(`SELECT ${COLUMNS} FROM images WHERE id = $1`, [id]);
  return result.rows[0] ?? null;
}

/** What serving an image needs of its row (serve-image.ts): status, derivative keys and version. */
export interface ServingRecord {
  id: string;
  status: ImageStatus;
  thumbnailKey: string | null;
  displayKey: string | null;
  displayMimeType: string | null;
  updatedAt: Date;
}

/** The serving fields of one image (a narrow read of its row), or null. */
export async function findServingRecord(db: Queryable, id: string): Promise<ServingRecord | null> {
  const result = await db.query<ServingRecord>(
    `SELECT id, status, thumbnail_key AS "thumbnailKey", display_key AS "displayKey", display_mime_type AS "displayMimeType",
            updated_at AS "updatedAt"
     FROM images WHERE id = $1`,
    [id],
  );
  return result.rows[0] ?? null;
}

/**
 * Reads one image with a shared row lock until the transaction ends: many readers may hold it together,
 * but a decision or evaluation (lockImage) waits for them, and they for it. Null for an unknown id.
 */
export async function shareLockImage(db: Queryable, id: string): Promise<ImageRow | null> {
  const result = await db.query<ImageRow>(`SELECT ${COLUMNS} FROM images WHERE id = $1 FOR SHARE`, [id]);
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

/**
 * Reads one image and locks its row until the transaction ends (concurrent lockers wait), or null.
 * FOR NO KEY UPDATE, not FOR UPDATE: it still excludes other lockers and shared readers, but not the key-share
 * locks that foreign keys take, so an evaluation holding image A may insert outbox rows for image B while
 * B's evaluation holds B and does the same for A (with FOR UPDATE the two deadlock).
 * @param scope.siteId only an image of this site is read and locked (null: any site); another site's is null
 *   without waiting for or taking its lock, so a reader of one site cannot hold up another site's images
 */
export async function lockImage(db: Queryable, id: string, scope: { siteId: string | null } = { siteId: null }): Promise<ImageRow | null> {
  const result = await db.query<ImageRow>(
    `SELECT ${COLUMNS} FROM images WHERE id = $1 AND ($2::text IS NULL OR site_id = $2) FOR NO KEY UPDATE`,
    [id, scope.siteId],
  );
  return result.rows[0] ?? null;
}

/**
 * Closes the image's open outbox rows of `topic` (markOutboxDone) and locks the image (lockImage), in one statement:
 * one round trip fewer for every evaluation. Every request committed before it is answered by the work done
 * under the lock; a request that commits later leaves an open row, and so another job.
 */
export async function lockImageClosingJobs(db: Queryable, id: string, topic: JobTopic): Promise<ImageRow | null> {
  return (await lockImagesClosingJobs(db, [id], topic))[0] ?? null;
}

/**
 * lockImageClosingJobs for several images in one statement, for a batch of evaluations. The rows are locked in id
 * order, so two batches sharing images wait for each other instead of deadlocking.
 * @returns the images that exist, by id ascending
 */
export async function lockImagesClosingJobs(db: Queryable, ids: readonly string[], topic: JobTopic): Promise<ImageRow[]> {
  const result = await db.query<ImageRow>(
    `WITH done AS (UPDATE outbox SET done_at = now() WHERE topic = $2 AND image_id = ANY($1::uuid[]) AND done_at IS NULL)
     SELECT ${COLUMNS} FROM images WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
    [ids, topic],
  );
  return result.rows;
}

/** What the worker learnt from the decoded image and where it stored the derivatives. */
export interface ProcessedMedia {
  format: string;
  /** Display size after EXIF rotation, in pixels. */
  width: number;
  height: number;
  frames: number;
  thumbnailKey: string;
  displayKey: string;
  displayMimeType: string;
  reviewKey: string;
  /** The picture's PDQ hashes (src/media/pdq.ts). */
  pdq: {
    quality: number;
    /** As the reference implementation computes it (exchanged with other systems). */
    reference: PdqHash;
    /** In PDQ's order of orientations, `original` first. */
    oriented: Record<(typeof ORIENTATIONS)[number], PdqHash>;
    crops: Partial<Record<CropName, PdqHash>>;
  };
}

/**
 * Records the worker's results on the image, and indexes its PDQ hash for near-duplicate lookups (16 chunk
 * rows) when its quality is at least PDQ_MIN_QUALITY (a plainer picture is never matched on).
 */
export async function recordDerivatives(db: Queryable, id: string, media: ProcessedMedia): Promise<void> {
  const hex = (hash: PdqHash) => pdqToHex(hash);
  const crops = Object.fromEntries(Object.entries(media.pdq.crops).map(([name, hash]) => [name, hex(hash)]));
  await db.query(
    `UPDATE images SET format = $2, width = $3, height = $4, frames = $5, thumbnail_key = $6, display_key = $7,
       display_mime_type = $8, review_key = $9, pdq = ('x' || $10)::bit(256), pdq_quality = $11,
       pdq_oriented = ARRAY(SELECT ('x' || h)::bit(256) FROM unnest($12::text[]) WITH ORDINALITY AS u(h, n) ORDER BY n),
       pdq_crops = $13, pdq_reference = ('x' || $14)::bit(256), updated_at = now()
     WHERE id = $1`,
    [
      id,
      media.format,
      media.width,
      media.height,
      media.frames,
      media.thumbnailKey,
      media.displayKey,
      media.displayMimeType,
      media.reviewKey,
      hex(media.pdq.oriented.original),
      media.pdq.quality,
      ORIENTATIONS.map((orientation) => hex(media.pdq.oriented[orientation])),
      JSON.stringify(crops),
      hex(media.pdq.reference),
    ],
  );
  await db.query('DELETE FROM image_pdq_chunks WHERE image_id = $1', [id]);
  await db.query(
    `INSERT INTO image_pdq_chunks (key, image_id)
     SELECT n * 65536 + substring(i.pdq FROM n * 16 + 1 FOR 16)::int, i.id FROM images i CROSS JOIN generate_series(0, 15) AS n
     WHERE i.id = $1 AND i.pdq_quality >= $2`,
    [id, PDQ_MIN_QUALITY],
  );
}

/**
 * A moderator-blocked image with exactly these bytes (SHA-256), for pictures too plain to match on by PDQ
 * (quality below 50): their exact re-uploads are still caught.
 * @returns its id with distance 0, or null
 */
export async function findBlockedCopy(db: Queryable, sha256: string): Promise<{ id: string; distance: number } | null> {
  const result = await db.query<{ id: string }>(`SELECT id FROM images WHERE status = 'blocked' AND sha256 = $1 ORDER BY id LIMIT 1`, [
    sha256,
  ]);
  return result.rows[0] ? { id: result.rows[0].id, distance: 0 } : null;
}

/**
 * The other images whose PDQ hash is within `maxDistance` bits (Hamming, of 256) of this image's in any of
 * its eight orientations (a mirrored or rotated copy is a copy), in id order; none when the image has no hash
 * yet (still processing) or is too plain to match on (quality below 50). Uses the multi-index
 * (image_pdq_chunks): reads only the images sharing a 16-bit chunk with one of the eight hashes, which finds
 * every match within 15 bits.
 * @param maxDistance PHASH_MATCH_DISTANCE (0–15)
 */
export async function listNearDuplicateIds(db: Queryable, imageId: string, maxDistance: number): Promise<string[]> {
  return (await listNearDuplicates(db, imageId, maxDistance)).map((match) => match.id);
}

/** A near-duplicate of an image, as evaluation and decisions need it. */
export interface NearDuplicate {
  id: string;
  siteId: string;
  /** Its site's settings: whether it shares the blocklist and pools reports across sites. */
  shareBlocklist: boolean;
  poolAcrossSites: boolean;
  status: ImageStatus;
  uploaderId: string;
  /** True when a moderator restored it (its reports and readers were judged wrong once). */
  restored: boolean;
  /** Hamming distance between the two hashes, in bits. */
  distance: number;
}

/**
 * The near-duplicates of image $1 within $2 bits, as NearDuplicate rows ($3: PDQ_MIN_QUALITY): its oriented
 * hashes looked up in the chunk index, then measured against each candidate's hash.
 */
const nearDuplicatesSql = (imageId: string) => `WITH query AS MATERIALIZED (
    SELECT q.hash FROM images AS self CROSS JOIN LATERAL unnest(self.pdq_oriented) AS q(hash)
    WHERE self.id = ${imageId} AND self.pdq_quality >= $3
  ), candidate AS (
    SELECT DISTINCT c.image_id FROM image_pdq_chunks c
    WHERE c.key = ANY (ARRAY(SELECT n * 65536 + substring(q.hash FROM n * 16 + 1 FOR 16)::int FROM query q CROSS JOIN generate_series(0, 15) AS n))
      AND c.image_id <> ${imageId}
  )
  SELECT * FROM (
    SELECT other.id, other.site_id AS "siteId", s.share_blocklist AS "shareBlocklist", s.pool_reports_across_sites AS "poolAcrossSites",
           other.status, other.uploader_id AS "uploaderId", other.restored_at IS NOT NULL AS restored,
           (SELECT min(bit_count(q.hash # other.pdq))::int FROM query q) AS distance
    FROM candidate JOIN images AS other ON other.id = candidate.image_id JOIN sites AS s ON s.id = other.site_id
  ) AS measured WHERE distance <= $2`;

/** As listNearDuplicateIds, with each match's status, uploader, restored flag and distance, by id. */
export async function listNearDuplicates(db: Queryable, imageId: string, maxDistance: number): Promise<NearDuplicate[]> {
  const result = await db.query<NearDuplicate>(`${nearDuplicatesSql('$1')} ORDER BY id`, [imageId, maxDistance, PDQ_MIN_QUALITY]);
  return result.rows;
}

/**
 * An evaluation's reads after its lock, in one round trip: the image's site (findSite) and its near-duplicates
 * (listNearDuplicates).
 * @returns site null when no site has the id
 */
export async function findSiteAndNearDuplicates(
  db: Queryable,
  query: { imageId: string; siteId: string; maxDistance: number },
): Promise<{ site: SiteRow | null; copies: NearDuplicate[] }> {
  const found = await findSitesAndNearDuplicates(db, [query], query.maxDistance);
  return found.get(query.imageId)!;
}

/**
 * findSiteAndNearDuplicates for several images in one statement, for a batch of evaluations.
 * @returns by image id, every image asked for
 */
export async function findSitesAndNearDuplicates(
  db: Queryable,
  images: readonly { imageId: string; siteId: string }[],
  maxDistance: number,
): Promise<Map<string, { site: SiteRow | null; copies: NearDuplicate[] }>> {
  const result = await db.query<SiteRow & { imageId: string; found: boolean; copies: NearDuplicate[] }>(
    `SELECT ${SITE_COLUMNS}, asked.image_id AS "imageId", sites.id IS NOT NULL AS found,
            coalesce((SELECT json_agg(d ORDER BY d.id) FROM (${nearDuplicatesSql('asked.image_id')}) AS d), '[]') AS copies
     FROM unnest($1::uuid[], $4::text[]) AS asked(image_id, site_id) LEFT JOIN sites ON sites.id = asked.site_id`,
    [images.map((image) => image.imageId), maxDistance, PDQ_MIN_QUALITY, images.map((image) => image.siteId)],
  );
  return new Map(result.rows.map(({ imageId, found, copies, ...site }) => [imageId, { site: found ? site : null, copies }]));
}

/** Other images with exactly the same bytes (SHA-256) that are `visible`: copies a hash cannot see. */
export async function listVisibleByteCopies(db: Queryable, imageId: string): Promise<string[]> {
  const result = await db.query<{ id: string }>(
    `SELECT other.id FROM images AS self JOIN images AS other ON other.sha256 = self.sha256 AND other.id <> self.id
     WHERE self.id = $1 AND other.status = 'visible' ORDER BY other.id`,
    [imageId],
  );
  return result.rows.map((row) => row.id);
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
     FROM (SELECT id, status FROM images WHERE id = $1 FOR NO KEY UPDATE) AS before
     WHERE i.id = before.id AND before.status = ANY($2::text[])
     RETURNING before.status AS previous`,
    [change.id, change.from, change.to, change.failureReason ?? null, change.restored ?? false],
  );
  return result.rows[0]?.previous ?? null;
}

/**
 * An automatic status change in one statement, all or nothing: the guarded UPDATE (as transitionImage, from `from`
 * only), its audit event (moderation_events, actor null) and, when `webhook` is given, one delivery per endpoint
 * of the image's site that takes deliveries and is subscribed to its type (as webhooks.repository
 * insertDeliveries). One round trip where those are four (the site read, the UPDATE and two INSERTs), for
 * evaluations that block many images.
 * @param change.event the audit event's action, reason and details (its from/to statuses are the change's)
 * @param change.webhook the event's id, type and body (webhooks/events.ts newImageEvent), or null for none
 * @returns the status it had before (`from`), or null when it was no longer `from` (nothing written)
 */
export async function transitionImageWithEvents(
  db: Queryable,
  change: {
    id: string;
    from: ImageStatus;
    to: ImageStatus;
    event: { action: string; reason: string; details: Record<string, unknown> };
    webhook: { eventId: string; eventType: string; payload: Record<string, unknown> } | null;
  },
): Promise<ImageStatus | null> {
  const result = await db.query<{ previous: ImageStatus }>(
    `WITH moved AS (
       UPDATE images AS i SET status = $3, status_changed_at = now(), updated_at = now()
       FROM (SELECT id, status FROM images WHERE id = $1 FOR NO KEY UPDATE) AS before
       WHERE i.id = before.id AND before.status = $2::text
       RETURNING before.status AS previous, i.site_id),
     audit AS (
       INSERT INTO moderation_events (image_id, actor_id, action, from_status, to_status, reason, details)
       SELECT $1, NULL, $4, moved.previous, $3, $5, $6 FROM moved),
     deliveries AS (
       INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, image_id, payload)
       SELECT e.id, $7, $8, $1, $9 FROM moved JOIN webhook_endpoints AS e ON e.site_id = moved.site_id
       WHERE $8::text IS NOT NULL AND ${takesDeliveries('e')} AND $8 = ANY (e.event_types)
       ORDER BY e.id)
     SELECT previous FROM moved`,
    [
      change.id,
      change.from,
      change.to,
      change.event.action,
      change.event.reason,
      change.event.details,
      change.webhook?.eventId ?? null,
      change.webhook?.eventType ?? null,
      change.webhook ? JSON.stringify(change.webhook.payload) : null,
    ],
  );
  return result.rows[0]?.previous ?? null;
}

/** Every storage key an image occupies: the original and its derivatives (display, thumbnail, review). */
export function storedKeys(image: Pick<ImageRow, 'storageKey' | 'thumbnailKey' | 'displayKey' | 'reviewKey'>): string[] {
  return [image.storageKey, image.displayKey, image.thumbnailKey, image.reviewKey].filter((key): key is string => key !== null);
}

/** Records the score of the image's open reports (the review queue sorts by it). */
export async function setScore(db: Queryable, id: string, score: number): Promise<void> {
  await setScores(db, [{ id, score }]);
}

/** setScore for several images in one statement; an unchanged score is not written. */
export async function setScores(db: Queryable, scores: readonly { id: string; score: number }[]): Promise<void> {
  await db.query(
    `UPDATE images SET score = given.score FROM unnest($1::uuid[], $2::numeric[]) AS given(id, score)
     WHERE images.id = given.id AND images.score IS DISTINCT FROM given.score`,
    [scores.map((entry) => entry.id), scores.map((entry) => entry.score)],
  );
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

/** Clears the brigade flag: a moderator's decision answers the suspicion, and a later brigade is flagged anew. */
export async function clearBrigadeFlag(db: Queryable, id: string): Promise<void> {
  await db.query(
    'UPDATE images SET suspected_brigade_at = NULL, brigade_held_back_at = NULL WHERE id = $1 AND suspected_brigade_at IS NOT NULL',
    [id],
  );
}

/** Public visibility of images for the widget: id → status, for the ids that exist and belong to `siteId`. */
export async function findStatuses(db: Queryable, ids: readonly string[], siteId: string): Promise<Map<string, ImageStatus>> {
  const result = await db.query<{ id: string; status: ImageStatus }>(
    'SELECT id, status FROM images WHERE id = ANY($1::uuid[]) AND site_id = $2',
    [ids, siteId],
  );
  return new Map(result.rows.map((row) => [row.id, row.status]));
}

/**
 * The id and status of each image of `siteId` registered under one of `externalIds` (a site's own ids for its
 * images); external ids no image of the site has are left out.
 */
export async function findStatusesByExternalId(
  db: Queryable,
  externalIds: readonly string[],
  siteId: string,
): Promise<Map<string, { id: string; status: ImageStatus }>> {
  const result = await db.query<{ externalId: string; id: string; status: ImageStatus }>(
    'SELECT external_id AS "externalId", id, status FROM images WHERE site_id = $1 AND external_id = ANY($2::text[])',
    [siteId, externalIds],
  );
  return new Map(result.rows.map((row) => [row.externalId, { id: row.id, status: row.status }]));
}

/**
 * Locks up to `limit` auto-blocked images whose last status change is older than `deadlineMs` and that were not
 * yet marked overdue for this auto-block, skipping rows another sweep holds; marks them overdue now.
 * @returns their ids and when they were auto-blocked
 */
export async function markOverdueReviews(
  db: Queryable,
  query: { deadlineMs: number; limit: number },
): Promise<{ id: string; blockedAt: Date }[]> {
  const result = await db.query<{ id: string; blockedAt: Date }>(
    `UPDATE images SET review_overdue_at = now()
     WHERE id IN (
       SELECT id FROM images
       WHERE status = 'auto_blocked' AND status_changed_at < now() - $1 * interval '1 millisecond'
         AND (review_overdue_at IS NULL OR review_overdue_at < status_changed_at)
       ORDER BY status_changed_at LIMIT $2 FOR NO KEY UPDATE SKIP LOCKED)
     RETURNING id, status_changed_at AS "blockedAt"`,
    [query.deadlineMs, query.limit],
  );
  return result.rows;
}

/** An uploader's images: how many per status, and the latest `limit` (id, status, created), for moderators. */
export async function uploaderHistory(
  db: Queryable,
  query: { uploaderId: string; limit: number },
): Promise<{ byStatus: Partial<Record<ImageStatus, number>>; recent: { id: string; status: ImageStatus; createdAt: Date }[] }> {
  const counts = await db.query<{ status: ImageStatus; n: number }>(
    'SELECT status, count(*)::int AS n FROM images WHERE uploader_id = $1 GROUP BY status',
    [query.uploaderId],
  );
  const recent = await db.query<{ id: string; status: ImageStatus; createdAt: Date }>(
    'SELECT id, status, created_at AS "createdAt" FROM images WHERE uploader_id = $1 ORDER BY created_at DESC LIMIT $2',
    [query.uploaderId, query.limit],
  );
  return { byStatus: Object.fromEntries(counts.rows.map((row) => [row.status, row.n])), recent: recent.rows };
}
