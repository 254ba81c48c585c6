/** SQL for claims: which moderator is looking at an image, until when. */
import type { Queryable } from './pool.js';

/**
 * Claims the image for `moderatorId` until now + `durationMs`, unless another moderator holds an unexpired claim.
 * @returns who holds the claim afterwards: this moderator, or the other one and until when
 */
export async function claimImage(
  db: Queryable,
  claim: { imageId: string; moderatorId: string; durationMs: number },
): Promise<{ moderatorId: string; expiresAt: Date }> {
  const result = await db.query<{ moderatorId: string; expiresAt: Date }>(
    `INSERT INTO claims (image_id, moderator_id, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
     ON CONFLICT (image_id) DO UPDATE SET moderator_id = EXCLUDED.moderator_id, expires_at = EXCLUDED.expires_at
       WHERE claims.moderator_id = EXCLUDED.moderator_id OR claims.expires_at <= now()
     RETURNING moderator_id AS "moderatorId", expires_at AS "expiresAt"`,
    [claim.imageId, claim.moderatorId, claim.durationMs],
  );
  if (result.rows[0]) return result.rows[0];
  const held = await db.query<{ moderatorId: string; expiresAt: Date }>(
    `SELECT moderator_id AS "moderatorId", expires_at AS "expiresAt" FROM claims WHERE image_id = $1`,
    [claim.imageId],
  );
  return held.rows[0]!;
}

/** Releases the image's claim (a decision was made). */
export async function releaseClaim(db: Queryable, imageId: string): Promise<void> {
  await db.query('DELETE FROM claims WHERE image_id = $1', [imageId]);
}
