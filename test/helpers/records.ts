/**
 * Typed reads of what imgmod stored, and factories that put a record in a given state, for tests: one place for
 * the SQL a test needs, so a test reads as what it checks ("the image's reports weigh 0") and never as a query.
 * Reads go through the repositories in src/db/ where one already answers the question.
 */
import { findImage, type ImageRow } from '../../src/db/images.repository.js';
import { listEventsForImage, type ModerationEventRow } from '../../src/db/moderation-events.repository.js';
import { randomUUID } from 'node:crypto';
import { insertReportOnce, type NewReport } from '../../src/db/reports.repository.js';
import type { ImageStatus } from '../../src/domain/image-status.js';
import { waitFor, type TestService } from './test-service.js';

type WithDeps = Pick<TestService, 'deps'>;

/** The image's row (status, failureReason, storage keys, score, brigade flag…); throws when the id is unknown. */
export async function imageRecord(service: WithDeps, imageId: string): Promise<ImageRow> {
  const image = await findImage(service.deps.pool, imageId);
  if (!image) throw new Error(`no image ${imageId}`);
  return image;
}

/** The image's audit events, oldest first (`actorId` null for the system). */
export function auditEvents(service: WithDeps, imageId: string): Promise<ModerationEventRow[]> {
  return listEventsForImage(service.deps.pool, imageId);
}

/** The actions of the image's audit events, oldest first (e.g. `['processed', 'auto_block']`). */
export async function auditActions(service: WithDeps, imageId: string): Promise<string[]> {
  return (await auditEvents(service, imageId)).map((event) => event.action);
}

/** One stored report, as a test looks at it (every column a test checks, camelCase). */
export interface StoredReport {
  id: string;
  imageId: string;
  reporterId: string;
  reporterRole: 'reader' | 'moderator';
  reporterKind: string;
  reason: string;
  weight: number;
  lowTrust: boolean;
  proven: boolean;
  /** Keyed hash of an anonymous reader's identity network, else null. */
  networkHash: string | null;
  /** Keyed hash of the reader's guard network, else null. */
  guardNetworkHash: string | null;
  status: 'open' | 'upheld' | 'dismissed';
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

/** The reports of one or more images, oldest first. */
export async function reportsOf(service: WithDeps, imageIds: string | readonly string[]): Promise<StoredReport[]> {
  const ids = typeof imageIds === 'string' ? [imageIds] : imageIds;
  const result = await service.deps.pool.query<StoredReport>(
    `SELECT id, image_id AS "imageId", reporter_id AS "reporterId", reporter_role AS "reporterRole", reporter_kind AS "reporterKind",
            reason, weight, low_trust AS "lowTrust", proven, network_hash AS "networkHash", guard_network_hash AS "guardNetworkHash",
            status, decided_by AS "decidedBy", decided_at AS "decidedAt", created_at AS "createdAt"
     FROM reports WHERE image_id = ANY($1::uuid[]) ORDER BY created_at, id`,
    [ids],
  );
  return result.rows;
}

/** Every stored column of the image's reports, as PostgreSQL holds them (for checks that nothing leaks into any column). */
export async function rawReportsOf(service: WithDeps, imageId: string): Promise<Record<string, unknown>[]> {
  return (await service.deps.pool.query<Record<string, unknown>>('SELECT * FROM reports WHERE image_id = $1', [imageId])).rows;
}

/** One outbox row of an image. */
export interface StoredOutboxRow {
  id: number;
  topic: string;
  claimedAt: Date | null;
  sentAt: Date | null;
  doneAt: Date | null;
  /** The request that caused the row, if any. */
  requestId: string | null;
  /** Times the relay sent it (a row found still queued is not counted again). */
  sendCount: number;
}

/** The outbox rows of one image, oldest first. */
export async function outboxOf(service: WithDeps, imageId: string): Promise<StoredOutboxRow[]> {
  const result = await service.deps.pool.query<StoredOutboxRow>(
    `SELECT id, topic, claimed_at AS "claimedAt", sent_at AS "sentAt", done_at AS "doneAt", request_id AS "requestId",
            send_count AS "sendCount"
     FROM outbox WHERE image_id = $1 ORDER BY id`,
    [imageId],
  );
  return result.rows;
}

/** Waits until every outbox row of the image is done (its jobs ran), within `timeoutMs`. */
export async function outboxDoneFor(service: WithDeps, imageId: string, timeoutMs?: number): Promise<void> {
  await waitFor(async () => (await outboxOf(service, imageId)).every((row) => row.doneAt !== null), timeoutMs);
}

/** Waits until the image's score (sum of open report weights, written by each evaluation) is `score`. */
export async function scoreReaches(service: WithDeps, imageId: string, score: number): Promise<void> {
  await waitFor(async () => (await imageRecord(service, imageId)).score === score);
}

/**
 * Puts the image in `status` directly, skipping the rules and the audit log: arranges a state a test
 * starts from (a decision or evaluation is what the test itself exercises, never this).
 */
export async function forceStatus(service: WithDeps, imageId: string, status: ImageStatus): Promise<void> {
  await service.deps.pool.query('UPDATE images SET status = $2 WHERE id = $1', [imageId, status]);
}

/** A new, processed, distinct image put in `status` (see forceStatus); returns its id. */
export async function imageIn(
  service: Pick<TestService, 'deps' | 'uploadDistinct'>,
  status: ImageStatus,
  uploader?: string,
): Promise<string> {
  const id = await service.uploadDistinct(uploader);
  await forceStatus(service, id, status);
  return id;
}

/** Moves the image's last status change `hours` into the past (an auto-block that has waited that long for review). */
export async function ageStatus(service: WithDeps, imageId: string, hours: number): Promise<void> {
  await service.deps.pool.query(`UPDATE images SET status_changed_at = now() - make_interval(hours => $2) WHERE id = $1`, [imageId, hours]);
}

/** Forgets the image's served derivative (display key NULL), as if it had been lost or never recorded. */
export async function forgetDisplay(service: WithDeps, imageId: string): Promise<void> {
  await service.deps.pool.query('UPDATE images SET display_key = NULL WHERE id = $1', [imageId]);
}

/** Lets the image's claim by a moderator run out (expires_at a second ago). */
export async function expireClaim(service: WithDeps, imageId: string): Promise<void> {
  await service.deps.pool.query(`UPDATE claims SET expires_at = now() - interval '1 second' WHERE image_id = $1`, [imageId]);
}

/** Whether a moderator's claim on the image is stored (expired or not). */
export async function hasClaim(service: WithDeps, imageId: string): Promise<boolean> {
  return ((await service.deps.pool.query('SELECT 1 FROM claims WHERE image_id = $1', [imageId])).rowCount ?? 0) > 0;
}

/** Moves the decisions on a reporter's reports `days` into the past (their suppression ran its course). */
export async function ageDecisions(service: WithDeps, reporterId: string, days: number): Promise<void> {
  await service.deps.pool.query(
    `UPDATE reports SET decided_at = decided_at - make_interval(days => $2) WHERE reporter_id = $1 AND status <> 'open'`,
    [reporterId, days],
  );
}

/**
 * Moves a moderator's sessions back in time: their last use `idleMinutes` further into the past (relative to the
 * stored value, so a use that restarted the idle clock shows), and/or their expiry to a second ago.
 */
export async function ageSessions(service: WithDeps, subject: string, change: { idleMinutes?: number; expired?: boolean }): Promise<void> {
  if (change.idleMinutes !== undefined) {
    await service.deps.pool.query(`UPDATE sessions SET last_seen_at = last_seen_at - make_interval(mins => $2) WHERE subject = $1`, [
      subject,
      change.idleMinutes,
    ]);
  }
  if (change.expired)
    await service.deps.pool.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE subject = $1`, [subject]);
}

/** The targets of the operator events of `action` (sign-in refusals, job queue changes…), oldest first; only `actorId`'s when given. */
export async function operatorTargets(service: WithDeps, query: { action: string; actorId?: string }): Promise<string[]> {
  const result = await service.deps.pool.query<{ target: string }>(
    `SELECT target FROM operator_events WHERE action = $1 AND ($2::text IS NULL OR actor_id = $2) ORDER BY id`,
    [query.action, query.actorId ?? null],
  );
  return result.rows.map((row) => row.target);
}

/** The hash-bank entry kinds stored for the image. */
export async function bankEntryKinds(service: WithDeps, imageId: string): Promise<string[]> {
  return (await service.deps.pool.query<{ kind: string }>('SELECT kind FROM hash_bank_entries WHERE image_id = $1', [imageId])).rows.map(
    (row) => row.kind,
  );
}

/**
 * Writes `count` open reports on the image straight to PostgreSQL, each by its own reader (`r<i>-<imageId>`), weight
 * 1 and reason spam unless `report` (or `report(i)`) says otherwise. No job is asked for: the image is evaluated only
 * when the test asks.
 */
export async function addReports(
  service: WithDeps,
  imageId: string,
  count: number,
  report: Partial<NewReport> | ((i: number) => Partial<NewReport>) = {},
): Promise<void> {
  for (let i = 0; i < count; i++) {
    await insertReportOnce(service.deps.pool, {
      id: randomUUID(),
      imageId,
      reporterId: `r${i}-${imageId}`,
      reporterRole: 'reader',
      reason: 'spam',
      note: null,
      weight: 1,
      ...(typeof report === 'function' ? report(i) : report),
    });
  }
}

/** How many sessions of the test's database are waiting for a lock now (pg_stat_activity). */
export async function lockWaiters(service: WithDeps): Promise<number> {
  const waiting = await service.deps.pool.query(
    `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return waiting.rowCount ?? 0;
}
