/** Use case: one page of the audit log, newest first. */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { listAudit, type ModerationEventRow } from '../db/moderation-events.repository.js';
import { decodeCursor, encodeCursor } from '../paging.js';

/** The audit log's page position: the id of the last event shown. */
const auditCursor = z.tuple([z.string().regex(/^[1-9]\d{0,15}$/)]);

export interface AuditPageQuery {
  imageId?: string | undefined;
  /** A moderator id, or `system` for automatic changes. */
  actor?: string | undefined;
  since?: Date | undefined;
  /** Events per page, 1–100. */
  limit: number;
  cursor?: string | undefined;
}

/** An audit event as listed: `actor` is the moderator id, or `system` for automatic changes. */
export type AuditItem = ModerationEventRow & { actor: string };

/**
 * One page of the audit log, filtered by image, actor and time, keyset-paginated on the event id.
 * @throws AppError 400 `invalid_cursor`
 */
export async function auditLogPage(
  deps: Pick<Deps, 'pool'>,
  query: AuditPageQuery,
): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
  const beforeId = query.cursor ? Number(decodeCursor(query.cursor, auditCursor)[0]) : undefined;
  const rows = await listAudit(deps.pool, {
    imageId: query.imageId,
    actorId: query.actor === undefined ? undefined : query.actor === 'system' ? null : query.actor,
    since: query.since,
    beforeId,
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((event) => ({ ...event, actor: event.actorId ?? 'system' })),
    nextCursor: rows.length > query.limit ? encodeCursor([String(page.at(-1)!.id)]) : null,
  };
}
