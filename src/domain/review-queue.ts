/** Review queues: which images each queue holds and how it can be sorted. Names only; the SQL is in db/. */
export const QUEUE_STATES = ['auto_blocked', 'overdue', 'appealed', 'reported', 'blocked', 'restored', 'removed'] as const;
/**
 * - auto_blocked: blocked by the threshold, awaiting review (the default queue)
 * - overdue: auto-blocked and not reviewed within REVIEW_DEADLINE (a subset of auto_blocked, to take first)
 * - appealed: the uploader appealed and no decision answered it yet
 * - reported: still visible with open reports below the threshold
 * - blocked / removed: decided by a moderator
 * - restored: visible again after a moderator restored it
 */
export type QueueState = (typeof QUEUE_STATES)[number];

export const QUEUE_SORTS = ['score', 'oldest', 'newest'] as const;
/** score: highest score first (default); oldest / newest: by the time the image entered the queue. */
export type QueueSort = (typeof QUEUE_SORTS)[number];

/** True for queues of undecided images, whose counts are over open reports; decided queues count all reports. */
export function countsOpenReportsOnly(state: QueueState): boolean {
  return state === 'auto_blocked' || state === 'overdue' || state === 'reported';
}
