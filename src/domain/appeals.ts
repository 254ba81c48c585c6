/**
 * Uploader appeals: who may appeal, and how a moderator's decision answers an appeal. Pure: no I/O.
 * An uploader appeals once per image, while it is blocked (auto-blocked or upheld); they learn the reason
 * categories and counts behind the block, never who reported.
 */
import type { DecisionAction } from './decisions.js';
import type { ImageStatus } from './image-status.js';

/** Longest appeal message, in characters. */
export const MAX_APPEAL_LENGTH = 2000;

/** Statuses from which an uploader may appeal: the picture is blocked and a person can still change that. */
export const APPEALABLE_STATUSES: readonly ImageStatus[] = ['auto_blocked', 'blocked'];

/** True when an image in `status` may be appealed (and has not been before). */
export function mayAppeal(status: ImageStatus, alreadyAppealed: boolean): boolean {
  return !alreadyAppealed && APPEALABLE_STATUSES.includes(status);
}

/** How a decision answers an open appeal: a restore grants it, an uphold or a removal rejects it. */
export function appealOutcome(action: DecisionAction): 'granted' | 'rejected' {
  return action === 'restore' ? 'granted' : 'rejected';
}
