/** SQL for the policy replay: the report and decision history of every image reported within a period. */
import type { ImageHistory, ReplayEvent, ReplayReport } from '../lab/replay.js';
import type { Queryable } from './pool.js';

/**
 * Every image with a report made at or after `since`, with its reports and audit events since then, oldest
 * first, and whether a moderator had restored it before.
 */
export async function loadHistories(db: Queryable, since: Date): Promise<ImageHistory[]> {
  const images = await db.query<{ imageId: string; uploaderId: string; restoredBefore: boolean }>(
    `SELECT i.id AS "imageId", i.uploader_id AS "uploaderId",
            EXISTS (SELECT 1 FROM moderation_events e WHERE e.image_id = i.id AND e.action = 'restore' AND e.created_at < $1) AS "restoredBefore"
     FROM images i WHERE i.id IN (SELECT DISTINCT image_id FROM reports WHERE created_at >= $1)`,
    [since],
  );
  const ids = images.rows.map((row) => row.imageId);
  const reports = await db.query<ReplayReport & { imageId: string }>(
    `SELECT image_id AS "imageId", created_at AS "createdAt", reason, reporter_role AS role, reporter_kind AS kind, weight, weighing,
            proven, low_trust AS "lowTrust", account_created_at AS "accountCreatedAt", network_hash AS "identityNetwork",
            guard_network_hash AS "guardNetwork"
     FROM reports WHERE image_id = ANY($1::uuid[]) AND created_at >= $2 ORDER BY created_at, id`,
    [ids, since],
  );
  const events = await db.query<ReplayEvent & { imageId: string }>(
    `SELECT image_id AS "imageId", created_at AS "createdAt", action, to_status AS "toStatus", actor_id AS "actorId",
            COALESCE(ARRAY(SELECT jsonb_array_elements_text(details -> 'nearDuplicateIds')), '{}') AS "nearDuplicateIds"
     FROM moderation_events WHERE image_id = ANY($1::uuid[]) AND created_at >= $2 ORDER BY id`,
    [ids, since],
  );
  const histories = new Map<string, ImageHistory>(images.rows.map((row) => [row.imageId, { ...row, reports: [], events: [] }]));
  for (const { imageId, ...report } of reports.rows) histories.get(imageId)!.reports.push(report);
  for (const { imageId, ...event } of events.rows) histories.get(imageId)!.events.push(event);
  return [...histories.values()];
}
