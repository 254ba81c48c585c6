/**
 * Moderator decisions and the status transitions they may make: one table, pure, no I/O.
 * A decision also closes the image's open reports with an outcome that teaches reporter trust.
 */
import type { ImageStatus } from './image-status.js';

export const DECISION_ACTIONS = ['uphold', 'restore', 'remove'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** What a decision does to the open reports: upheld (the readers were right) or dismissed. */
export type ReportOutcome = 'upheld' | 'dismissed';

interface DecisionRule {
  /** Statuses the action may start from. */
  from: readonly ImageStatus[];
  to: ImageStatus;
  reportOutcome: ReportOutcome;
}

/**
 * The allowed transitions.
 * - uphold: confirm a block (or block a reported, still visible image) → `blocked`.
 * - restore: undo a block → `visible`, or clear a reported, still visible image; the open reports are dismissed.
 * - remove: take the image down for good → `removed`; stored bytes are deleted, the record and audit stay.
 *   A `failed` image can be removed too, to clean it up.
 * Nothing leaves `removed`, and nothing is decided while an image is still `processing`.
 */
export const DECISION_RULES: Readonly<Record<DecisionAction, DecisionRule>> = {
  uphold: { from: ['visible', 'auto_blocked'], to: 'blocked', reportOutcome: 'upheld' },
  restore: { from: ['visible', 'auto_blocked', 'blocked'], to: 'visible', reportOutcome: 'dismissed' },
  remove: { from: ['visible', 'auto_blocked', 'blocked', 'failed'], to: 'removed', reportOutcome: 'upheld' },
};

/**
 * @returns the target status and report outcome of `action` from `status`, or null when the transition is forbidden
 */
export function planDecision(action: DecisionAction, status: ImageStatus): { to: ImageStatus; reportOutcome: ReportOutcome } | null {
  const rule = DECISION_RULES[action];
  return rule.from.includes(status) ? { to: rule.to, reportOutcome: rule.reportOutcome } : null;
}

/**
 * True when the decision also reverses an earlier uphold: restoring a `blocked` image turns the reports that the
 * uphold closed as upheld into dismissed ones, since in the end they were wrong (and must not teach trust).
 */
export function reversesUphold(action: DecisionAction, fromStatus: ImageStatus): boolean {
  return action === 'restore' && fromStatus === 'blocked';
}

/**
 * True when the picture counts as restored by a moderator: this image was, or any near-duplicate copy of it was.
 * A restore stands for the picture, not one upload of it, so a re-upload does not reset the doubled threshold.
 */
export function pictureWasRestored(image: { restored: boolean }, copies: readonly { restored: boolean }[]): boolean {
  return image.restored || copies.some((copy) => copy.restored);
}
