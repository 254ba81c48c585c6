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
 * more, over 10 or more decided reports, are suppressed: their reports count 0 (they are not told).
 */

/** A reader's decided reports: upheld (agreed) and dismissed (disagreed). Open reports do not count. */
export interface TrackRecord {
  upheld: number;
  dismissed: number;
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

/** True when the reader's reports are counted at weight 0: 10+ decided and 25 %+ of them dismissed. */
export function isSuppressed(track: TrackRecord): boolean {
  const total = track.upheld + track.dismissed;
  return total >= SUPPRESS_MIN_DECIDED && track.dismissed / total >= SUPPRESS_DISMISSED_RATIO;
}

/**
 * The weight of a new report from this reader: 1 + bonus / 5, floored at 0 and capped at 2, or 0 when
 * suppressed. Rounded to 3 decimals (the precision the database stores).
 */
export function reportWeight(track: TrackRecord): number {
  if (isSuppressed(track)) return 0;
  const weight = BASE_REPORT_WEIGHT + discourseAccuracyBonus(track) / DISCOURSE_SCALE;
  return Math.round(Math.min(MAX_REPORT_WEIGHT, Math.max(0, weight)) * 1000) / 1000;
}
