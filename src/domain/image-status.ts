/**
 * Image statuses and which of them are served, reportable, or may be auto-blocked. Pure: no I/O.
 */
export const IMAGE_STATUSES = ['processing', 'visible', 'auto_blocked', 'blocked', 'removed', 'failed'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/** Statuses whose image is no longer served: `/i/:id` answers 410 with the placeholder. */
export const BLOCKED_STATUSES: readonly ImageStatus[] = ['auto_blocked', 'blocked', 'removed'];

/** True when the image bytes may be served to the public. */
export function isServable(status: ImageStatus): boolean {
  return status === 'visible';
}

/** True when `/i/:id` should answer 410 Gone (blocked or removed). */
export function isBlocked(status: ImageStatus): boolean {
  return BLOCKED_STATUSES.includes(status);
}

/**
 * The statuses in which readers may still report an image. Reports on an auto-blocked or blocked image are kept
 * as evidence for the moderator; a removed or failed image has nothing left to report.
 */
export const REPORTABLE_STATUSES: readonly ImageStatus[] = ['processing', 'visible', 'auto_blocked', 'blocked'];

/** True when readers may still report an image in `status` (REPORTABLE_STATUSES). */
export function isReportable(status: ImageStatus): boolean {
  return REPORTABLE_STATUSES.includes(status);
}

/**
 * Statuses from which the threshold may auto-block an image: a visible one, and one still being processed
 * (a burst of reports can arrive before its thumbnail is made).
 */
export const AUTO_BLOCKABLE_STATUSES: readonly ImageStatus[] = ['processing', 'visible'];

/** What the public may know of an image's status (GET /v1/visibility). */
export type PublicVisibility = 'hidden' | 'visible' | 'processing' | 'unavailable';

/** An image's public visibility: hidden when blocked or removed, unavailable when it failed. */
export function publicVisibility(status: ImageStatus): PublicVisibility {
  if (isBlocked(status)) return 'hidden';
  return status === 'visible' || status === 'processing' ? status : 'unavailable';
}
