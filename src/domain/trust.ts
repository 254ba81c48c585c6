/**
 * Reporter trust: the weight of a new report from the reader's track record of decided reports.
 * Pure functions, no I/O.
 *
 * Source: Discourse's flag scoring, `ReviewableScore.calc_user_accuracy_bonus`
 * (discourse/discourse, app/models/reviewable_score.rb): no bonus until more than 5 decided flags; with
 * accuracy p = agreed / decided and the axis at 70 %, the bonus is
 *   p ≥ 0.7:  +(p − 0.7) / 0.3 × log4(n) × 5
 *   p < 0.7:  −(0.7 − p) / 0.7 × log4(n) × 5
 * rounded to 2 decimals, added to a base flag score of 1.0 and floored at 0.
 *
 * Our adaptation: Discourse counts in units of 5 per point (its base score also adds a 0–5 trust level),
 * so we divide the bonus by 5, and cap the weight at MAX_REPORT_WEIGHT so that no single reader, however
 * trusted, reaches the default threshold of 3 alone. Readers whose reports are dismissed 25 % of the time or
 * more, over 10 or more decided reports, are suppressed: their reports count 0 for SUPPRESSION_MS after their
 * latest dismissal, and their receipts say until when. Stack Exchange's flag ban works the same way: it follows
 * declined flags, lasts at most 7 days, and the user is told (meta.stackexchange.com, "flag bans").
 *
 * Only reports that mattered teach anything: a report filed after its picture had already left `visible` is
 * kept as evidence but is left out of its reader's track record (the repository filters on `counts_for_trust`),
 * so a reader cannot farm upholds by reporting pictures that are already hidden. Lemmy ignores reports on removed
 * content the same way.
 *
 * A reader is **proven** once at least PROVEN_MIN_UPHELD of their reports were upheld, their accuracy is at or
 * above the axis, and they are not suppressed: the brigade guard lets one proven reader corroborate a block.
 */

/** A reader's decided reports: upheld (agreed) and dismissed (disagreed). Open reports do not count. */
export interface TrackRecord {
  upheld: number;
  dismissed: number;
  /** When the latest of the dismissed reports was decided; null (or absent) when none was. */
  lastDismissedAt?: Date | null;
}

/** Weight of a reader with no usable track record. */
export const BASE_REPORT_WEIGHT = 1;
/** Highest weight one report can carry: below the default threshold (3), so one reader never blocks alone. */
export const MAX_REPORT_WEIGHT = 2;
/** Decided reports needed before accuracy counts at all (Discourse: more than 5). */
export const MIN_DECIDED_FOR_BONUS = 6;
/** Accuracy at which the bonus turns into a penalty (Discourse: 0.7). */
export const ACCURACY_AXIS = 0.7;
/** Discourse's bonus is in units of 5 per point of flag score. */
const DISCOURSE_SCALE = 5;
/** Suppression: at least this many decided reports… */
export const SUPPRESS_MIN_DECIDED = 10;
/** …and at least this share of them dismissed. */
export const SUPPRESS_DISMISSED_RATIO = 0.25;
/** How long suppression lasts after the latest dismissal, in ms (Stack Exchange's longest flag ban: 7 days). */
export const SUPPRESSION_MS = 7 * 86_400_000;
/** Upheld reports a reader needs before one of their reports corroborates a block on its own. */
export const PROVEN_MIN_UPHELD = 3;

/**
 * Discourse's accuracy bonus, in Discourse's units (before our division by 5), rounded to 2 decimals.
 * @returns 0 for 5 or fewer decided reports; positive above 70 % upheld; negative below
 */
export function discourseAccuracyBonus(track: TrackRecord): number {
  const total = track.upheld + track.dismissed;
  if (total < MIN_DECIDED_FOR_BONUS) return 0;
  const accuracy = track.upheld / total;
  const positive = accuracy >= ACCURACY_AXIS;
  const distance = positive ? (accuracy - ACCURACY_AXIS) / (1 - ACCURACY_AXIS) : (ACCURACY_AXIS - accuracy) / ACCURACY_AXIS;
  const bonus = (positive ? 1 : -1) * distance * (Math.log(total) / Math.log(4)) * DISCOURSE_SCALE;
  return Math.round(bonus * 100) / 100;
}

/**
 * Until when the reader is suppressed (their reports count 0): SUPPRESSION_MS after their latest dismissal,
 * once 10+ reports are decided and 25 %+ of them dismissed. A record without `lastDismissedAt` is taken as
 * dismissed just now.
 * @returns the end of the suppression, or null when the reader is not suppressed at `now`
 */
export function suppressedUntil(track: TrackRecord, now: Date): Date | null {
  const total = track.upheld + track.dismissed;
  if (total < SUPPRESS_MIN_DECIDED || track.dismissed / total < SUPPRESS_DISMISSED_RATIO) return null;
  const until = new Date((track.lastDismissedAt ?? now).getTime() + SUPPRESSION_MS);
  return until > now ? until : null;
}

/** True when the reader's reports are counted at weight 0 at `now` (see suppressedUntil). */
export function isSuppressed(track: TrackRecord, now: Date = new Date()): boolean {
  return suppressedUntil(track, now) !== null;
}

/** True when one report of this reader may corroborate a block (see the module comment). */
export function isProven(track: TrackRecord, now: Date = new Date()): boolean {
  const total = track.upheld + track.dismissed;
  return track.upheld >= PROVEN_MIN_UPHELD && track.upheld / total >= ACCURACY_AXIS && !isSuppressed(track, now);
}

/**
 * The weight of a new report from this reader at `now`: 1 + bonus / 5, floored at 0 and capped at 2, or 0
 * while suppressed (afterwards the bonus alone, usually a penalty, applies). Rounded to 3 decimals (the precision the database stores).
 */
export function reportWeight(track: TrackRecord, now: Date = new Date()): number {
  if (isSuppressed(track, now)) return 0;
  const weight = BASE_REPORT_WEIGHT + discourseAccuracyBonus(track) / DISCOURSE_SCALE;
  return Math.round(Math.min(MAX_REPORT_WEIGHT, Math.max(0, weight)) * 1000) / 1000;
}
