/** SQL for moderation_events, the append-only audit log. actor_id NULL means the system. */
import type { ImageStatus } from '../domain/image-status.js';
import type { Queryable } from './pool.js';

export interface ModerationEvent {
  imageId: string;
  /** Moderator id, or null for the system. */
  actorId: string | null;
  action: string;
  fromStatus: ImageStatus | null;
  toStatus: ImageStatus;
  reason: string;
  details?: Record<string, unknown>;
}

export interface ModerationEventRow extends Required<ModerationEvent> {
  id: number;
  createdAt: Date;
}

/** Appends one audit event. */
export async function appendEvent(db: Queryable, event: ModerationEvent): Promise<void> {
  await db.query(
    `INSERT INTO moderation_events (image_id, actor_id, action, from_status, to_status, reason, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [event.imageId, event.actorId, event.action, event.fromStatus, event.toStatus, event.reason, event.details ?? {}],
  );
}

const COLUMNS = `id, image_id AS "imageId", actor_id AS "actorId", action, from_status AS "fromStatus",
  to_status AS "toStatus", reason, details, created_at AS "createdAt"`;

/** The audit history of one image, oldest first. */
export async function listEventsForImage(db: Queryable, imageId: string): Promise<ModerationEventRow[]> {
  const result = await db.query<ModerationEventRow>(`SELECT ${COLUMNS} FROM moderation_events WHERE image_id = $1 ORDER BY id`, [imageId]);
  return result.rows;
}

export interface AuditQuery {
  imageId?: string | undefined;
  /** A moderator id, or null for events made by the system. */
  actorId?: string | null | undefined;
  since?: Date | undefined;
  /** Id of the last event of the previous page. */
  beforeId?: number | undefined;
  limit: number;
}

/** The audit log, newest first, filtered and keyset-paginated on id. */
export async function listAudit(db: Queryable, query: AuditQuery): Promise<ModerationEventRow[]> {
  const result = await db.query<ModerationEventRow>(
    `SELECT ${COLUMNS} FROM moderation_events
     WHERE ($1::uuid IS NULL OR image_id = $1)
       AND (NOT $2 OR actor_id IS NOT DISTINCT FROM $3)
       AND ($4::timestamptz IS NULL OR created_at >= $4)
       AND ($5::bigint IS NULL OR id < $5)
     ORDER BY id DESC LIMIT $6`,
    [query.imageId ?? null, query.actorId !== undefined, query.actorId ?? null, query.since ?? null, query.beforeId ?? null, query.limit],
  );
  return result.rows;
}
