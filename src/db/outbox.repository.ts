/**
 * SQL for the transactional outbox. A row is written in the same transaction as the change that needs a
 * job (the relay is woken once it commits), so the job cannot be lost between PostgreSQL and Redis. The relay claims unsent rows (committing the
 * claim), publishes their jobs, and marks them sent once Redis accepted them; the job marks them done in the transaction that does its work. A row
 * sent but not done after a while (Redis lost its data, or the job was dropped) is sent again.
 */
import type { JobTopic } from '../domain/job-topics.js';
import { currentRequestId } from '../request-context.js';
import { withTransaction, type Pool, type Queryable } from './pool.js';

/** The NOTIFY channel that wakes the relay as soon as an outbox row commits. */
export const OUTBOX_CHANNEL = 'imgmod_outbox';

export interface OutboxRow {
  id: number;
  topic: JobTopic;
  imageId: string;
  /** The request that wrote the row (null outside a request), passed on in the job's data. */
  requestId?: string | null;
  /** Times the row was sent before (claimOutbox): above 0, this is a resend. */
  sendCount?: number;
}

/**
 * Adds a pending row, inside the transaction of the change that needs the job. Call wakeOutboxRelay after that
 * transaction commits; the relay's poll (OUTBOX_POLL_MS) finds the row anyway if the wake-up is lost. The row
 * records the current request's id (request-context.ts) unless `row.requestId` names one.
 */
export async function enqueueOutbox(db: Queryable, row: Omit<OutboxRow, 'id'>): Promise<void> {
  await db.query('INSERT INTO outbox (topic, image_id, request_id) VALUES ($1, $2, $3)', [
    row.topic,
    row.imageId,
    row.requestId ?? currentRequestId(),
  ]);
}

/** Per pool: whether a wake-up is being sent, and whether another was asked for meanwhile. */
const wakes = new WeakMap<object, { sending: boolean; again: boolean }>();

/**
 * Wakes the outbox relays (NOTIFY on OUTBOX_CHANNEL) after a transaction that enqueued rows committed. Sent on its
 * own, never inside the writing transaction: a NOTIFY in a transaction holds PostgreSQL's server-wide notify lock
 * through COMMIT, which serialises every committing report. Coalesced per pool: while one is being sent, further
 * calls make one more, not one each. Never throws and never waits: a lost wake-up only costs the poll interval.
 */
export function wakeOutboxRelay(pool: Queryable): void {
  let state = wakes.get(pool);
  if (!state) wakes.set(pool, (state = { sending: false, again: false }));
  if (state.sending) {
    state.again = true;
    return;
  }
  state.sending = true;
  const send = (): void => {
    void pool
      .query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, 'wake'])
      .catch(() => undefined)
      .then(() => {
        if (!state.again) {
          state.sending = false;
          return;
        }
        state.again = false;
        send();
      });
  };
  send();
}

/**
 * Claims up to `limit` rows to send, oldest first, in one statement, in a short transaction of its own that only
 * turns bitmap scans off (see below); rows another relay is claiming at the same moment are skipped. It claims rows never sent, and rows sent more than `resendAfterMs`
 * ago that are still not done, at most `maxSends` times in all; rows claimed by a relay less than `leaseMs`
 * ago are left to it. The caller publishes the jobs with no transaction open, then calls markOutboxSent, or
 * releaseOutboxClaims when publishing failed.
 * @returns the claimed rows, oldest first
 */
export async function claimOutbox(
  pool: Pool,
  options: { limit: number; resendAfterMs: number; maxSends: number; leaseMs: number },
): Promise<OutboxRow[]> {
  // An index scan in id order, never a bitmap scan: done rows leave dead entries in outbox_unfinished_idx until
  // vacuum, which an index scan marks dead as it passes them (later scans skip them), while a bitmap scan visits
  // every one again at each claim (8.6 ms per claim at 124,000 done rows with autovacuum off, growing).
  const result = await withTransaction(
    pool,
    (client) => client.query<OutboxRow>(CLAIM_OUTBOX_SQL, [options.limit, options.resendAfterMs, options.maxSends, options.leaseMs]),
    { settings: CLAIM_OUTBOX_SETTINGS },
  );
  return result.rows.sort((a, b) => a.id - b.id);
}

/** The planner settings of claimOutbox's transaction (exported for the plan's test). */
export const CLAIM_OUTBOX_SETTINGS: Readonly<Record<string, string>> = { enable_bitmapscan: 'off' };

/** claimOutbox's statement: $1 limit, $2 resendAfterMs, $3 maxSends, $4 leaseMs (exported for the plan's test). */
export const CLAIM_OUTBOX_SQL = `UPDATE outbox SET claimed_at = now()
     WHERE id IN (
       SELECT id FROM outbox
       WHERE done_at IS NULL
         AND (sent_at IS NULL OR (sent_at < now() - $2 * interval '1 millisecond' AND send_count < $3))
         AND (claimed_at IS NULL OR claimed_at < now() - $4 * interval '1 millisecond')
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING id, topic, image_id AS "imageId", request_id AS "requestId", send_count AS "sendCount"`;

/** Marks claimed rows as sent (once more) and ends their claim. */
export async function markOutboxSent(db: Queryable, ids: readonly number[]): Promise<void> {
  await db.query('UPDATE outbox SET sent_at = now(), send_count = send_count + 1, claimed_at = NULL WHERE id = ANY($1::bigint[])', [ids]);
}

/**
 * Ends the claim on rows whose jobs were found still queued: they count as sent now (the next resend is
 * OUTBOX_RESEND_AFTER_MS away), without using up one of their sends.
 */
export async function markOutboxStillQueued(db: Queryable, ids: readonly number[]): Promise<void> {
  await db.query('UPDATE outbox SET sent_at = now(), claimed_at = NULL WHERE id = ANY($1::bigint[])', [ids]);
}

/** Ends the claim on rows whose jobs could not be published, so the next relay pass takes them at once. */
export async function releaseOutboxClaims(db: Queryable, ids: readonly number[]): Promise<void> {
  await db.query('UPDATE outbox SET claimed_at = NULL WHERE id = ANY($1::bigint[])', [ids]);
}

/**
 * Marks every committed, unfinished row of (topic, image) as done. Call it inside the job's transaction,
 * before the job reads what the rows announced: a row committed later stays open and is sent again.
 * @returns how many rows it closed
 */
export async function markOutboxDone(db: Queryable, topic: JobTopic, imageId: string): Promise<number> {
  const result = await db.query('UPDATE outbox SET done_at = now() WHERE topic = $1 AND image_id = $2 AND done_at IS NULL', [
    topic,
    imageId,
  ]);
  return result.rowCount ?? 0;
}

/** Deletes done rows older than `olderThanMs` (housekeeping). @returns rows deleted */
export async function pruneDoneOutbox(db: Queryable, olderThanMs: number): Promise<number> {
  const result = await db.query(`DELETE FROM outbox WHERE done_at < now() - $1 * interval '1 millisecond'`, [olderThanMs]);
  return result.rowCount ?? 0;
}
