/**
 * SQL for the transactional outbox. A row is written in the same transaction as the change that needs a
 * job, so the job cannot be lost between PostgreSQL and Redis; the relay claims pending rows and marks them sent.
 */
import type { JobTopic } from '../queues/queues.js';
import type { PoolClient, Queryable } from './pool.js';

/** The NOTIFY channel that wakes the relay as soon as an outbox row commits. */
export const OUTBOX_CHANNEL = 'imgmod_outbox';

export interface OutboxRow {
  id: number;
  topic: JobTopic;
  imageId: string;
}

/** Adds a pending row and notifies the relay (the NOTIFY is delivered on COMMIT, never before). */
export async function enqueueOutbox(db: Queryable, row: Omit<OutboxRow, 'id'>): Promise<void> {
  await db.query('INSERT INTO outbox (topic, image_id) VALUES ($1, $2)', [row.topic, row.imageId]);
  await db.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, row.topic]);
}

/**
 * Locks up to `limit` pending rows, skipping rows another relay holds, oldest first.
 * Must run inside a transaction that later calls markOutboxSent.
 */
export async function claimPendingOutbox(client: PoolClient, limit: number): Promise<OutboxRow[]> {
  const result = await client.query<OutboxRow>(
    `SELECT id, topic, image_id AS "imageId" FROM outbox WHERE sent_at IS NULL
     ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return result.rows;
}

/** Marks claimed rows as sent. */
export async function markOutboxSent(client: PoolClient, ids: readonly number[]): Promise<void> {
  await client.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])', [ids]);
}

/** Deletes sent rows older than `olderThanMs` (housekeeping). @returns rows deleted */
export async function pruneSentOutbox(db: Queryable, olderThanMs: number): Promise<number> {
  const result = await db.query(`DELETE FROM outbox WHERE sent_at < now() - $1 * interval '1 millisecond'`, [olderThanMs]);
  return result.rowCount ?? 0;
}
