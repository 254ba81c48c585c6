/**
 * The status changes imgmod makes by itself, beside the moderators' decisions (domain/decisions.ts): one table,
 * so that every automatic audit action and the status move it makes are defined together. Pure, no I/O.
 * Every automatic change is written with actor `null` (the system) in the audit log.
 */
import { AUTO_BLOCKABLE_STATUSES, type ImageStatus } from './image-status.js';

export const AUTOMATIC_ACTIONS = [
  'auto_block',
  'near_duplicate_block',
  'suspected_brigade',
  'review_overdue',
  'overdue_restore',
  'processed',
  'processing_failed',
] as const;
export type AutomaticAction = (typeof AUTOMATIC_ACTIONS)[number];

interface AutomaticRule {
  /** Statuses the change may start from. */
  from: readonly ImageStatus[];
  /** The status it moves to; `unchanged` for a flag that leaves the status as it is. */
  to: ImageStatus | 'unchanged';
}

/**
 * - auto_block: the reports crossed the threshold and were corroborated (domain/threshold.ts).
 * - near_duplicate_block: a copy of a picture a moderator blocked (at upload, or when the block is upheld).
 * - suspected_brigade: the brigade guard flagged or held back the image; it stays where it is, in the
 *   `reported` queue.
 * - review_overdue: an auto-block nobody reviewed within REVIEW_DEADLINE; it stays blocked and is flagged once.
 * - overdue_restore: the same, when the operator chose OVERDUE_ACTION=restore: the image is served again.
 * - processed / processing_failed: the worker made the derivatives, or refused the file.
 */
export const AUTOMATIC_TRANSITIONS: Readonly<Record<AutomaticAction, AutomaticRule>> = {
  auto_block: { from: AUTO_BLOCKABLE_STATUSES, to: 'auto_blocked' },
  near_duplicate_block: { from: AUTO_BLOCKABLE_STATUSES, to: 'auto_blocked' },
  suspected_brigade: { from: AUTO_BLOCKABLE_STATUSES, to: 'unchanged' },
  review_overdue: { from: ['auto_blocked'], to: 'unchanged' },
  overdue_restore: { from: ['auto_blocked'], to: 'visible' },
  processed: { from: ['processing'], to: 'visible' },
  processing_failed: { from: ['processing'], to: 'failed' },
};

/** @returns the status `action` moves an image in `status` to, or null when the table forbids it */
export function planAutomatic(action: AutomaticAction, status: ImageStatus): ImageStatus | null {
  const rule = AUTOMATIC_TRANSITIONS[action];
  if (!rule.from.includes(status)) return null;
  return rule.to === 'unchanged' ? status : rule.to;
}
