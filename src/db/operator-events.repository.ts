/** SQL for operator_events: what admins and the sign-in did outside image decisions (append-only). */
import type { Queryable } from './pool.js';

export interface OperatorEvent {
  /** Who did it; null for the system (a refused sign-in names the identity in `target`). */
  actorId: string | null;
  action: string;
  target: string | null;
  details?: Record<string, unknown>;
}

/** Appends one operator event. */
export async function appendOperatorEvent(db: Queryable, event: OperatorEvent): Promise<void> {
  await db.query(`INSERT INTO operator_events (actor_id, action, target, details) VALUES ($1, $2, $3, $4)`, [
    event.actorId,
    event.action,
    event.target,
    event.details ?? {},
  ]);
}

/** The latest operator events, newest first. */
export async function listOperatorEvents(
  db: Queryable,
  limit: number,
): Promise<(Required<OperatorEvent> & { id: number; createdAt: Date })[]> {
  const result = await db.query<Required<OperatorEvent> & { id: number; createdAt: Date }>(
    `SELECT id, actor_id AS "actorId", action, target, details, created_at AS "createdAt" FROM operator_events ORDER BY id DESC LIMIT $1`,
    [limit],
  );
  return result.rows;
}
