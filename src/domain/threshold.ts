/**
 * The auto-block decision: does an image's set of open reports cross its threshold? Pure, no I/O.
 *
 * Rules, in order:
 * 1. Only a `processing` or `visible` image can be auto-blocked.
 * 2. A single open report from a moderator blocks at once.
 * 3. Otherwise at least MIN_COUNTED_REPORTERS reports must carry weight: no single reader blocks alone,
 *    whatever their trust or the reason.
 * 4. The image blocks when the total score reaches the threshold, or when the score of the reports for one
 *    reason reaches that reason's own (lower) threshold. After a moderator restored the image, every
 *    threshold is multiplied by the restored factor.
 *
 * The brigade guard (`guardAgainstBrigade`) then holds back a block, or flags a burst below the threshold,
 * when at least BRIGADE_MIN_REPORTS reports arrived within BRIGADE_WINDOW and more than half of their score
 * comes from low-trust reporters (domain/readers.ts): the image stays visible in the `reported` queue,
 * flagged `suspected_brigade`, until a moderator decides or trusted readers carry the score.
 */
import { AUTO_BLOCKABLE_STATUSES, type ImageStatus } from './image-status.js';
import type { ReportReason } from './reports.js';

/** Distinct readers whose reports must carry weight before an auto-block (rule 3). */
export const MIN_COUNTED_REPORTERS = 2;

export interface ThresholdPolicy {
  /** AUTO_BLOCK_THRESHOLD: score that blocks, whatever the reasons. */
  threshold: number;
  /** Lower thresholds for single reasons (REASON_THRESHOLDS), e.g. { illegal: 2 }. */
  reasonThresholds: Partial<Record<ReportReason, number>>;
  /** RESTORED_THRESHOLD_FACTOR: multiplier for images a moderator restored. */
  restoredFactor: number;
}

export interface CountedReport {
  reason: ReportReason;
  weight: number;
  reporterRole: 'reader' | 'moderator';
}

/** A report as the brigade guard sees it: who (low-trust or not) and when. */
export interface GuardedReport extends CountedReport {
  lowTrust: boolean;
  createdAt: Date;
}

export interface BrigadePolicy {
  /** BRIGADE_MIN_REPORTS: reports inside the window that make a burst. */
  minReports: number;
  /** BRIGADE_WINDOW, in milliseconds. */
  windowMs: number;
}

/** Why the guard fired: the burst's size and how much of its score came from low-trust reporters. */
export interface BrigadeEvidence {
  reportsInWindow: number;
  windowMs: number;
  scoreInWindow: number;
  lowTrustScore: number;
  /** True when the threshold alone would have auto-blocked the image. */
  heldBack: boolean;
}

export type BlockDecision =
  | { block: false }
  | ({ block: false; rule: 'suspected_brigade' } & BrigadeEvidence)
  | { block: true; rule: 'moderator_report' }
  | { block: true; rule: 'total_score'; score: number; threshold: number }
  | { block: true; rule: 'reason_score'; reason: ReportReason; score: number; threshold: number };

/**
 * Decides whether the image must be auto-blocked now (see the module rules).
 * @param input.restored true when a moderator restored the image before
 */
export function decideAutoBlock(input: {
  status: ImageStatus;
  reports: readonly CountedReport[];
  restored: boolean;
  policy: ThresholdPolicy;
}): BlockDecision {
  if (!AUTO_BLOCKABLE_STATUSES.includes(input.status)) return { block: false };
  if (input.reports.some((report) => report.reporterRole === 'moderator')) return { block: true, rule: 'moderator_report' };
  if (input.reports.filter((report) => report.weight > 0).length < MIN_COUNTED_REPORTERS) return { block: false };

  const factor = input.restored ? input.policy.restoredFactor : 1;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  const total = round(input.reports.reduce((sum, report) => sum + report.weight, 0));
  const threshold = input.policy.threshold * factor;
  if (total >= threshold) return { block: true, rule: 'total_score', score: total, threshold };

  for (const [reason, reasonThreshold] of Object.entries(input.policy.reasonThresholds) as [ReportReason, number][]) {
    const score = round(input.reports.filter((report) => report.reason === reason).reduce((sum, report) => sum + report.weight, 0));
    if (score >= reasonThreshold * factor) return { block: true, rule: 'reason_score', reason, score, threshold: reasonThreshold * factor };
  }
  return { block: false };
}

/** Share of the burst's score above which it counts as coming from low-trust reporters ("more than half"). */
export const BRIGADE_LOW_TRUST_SHARE = 0.5;

/**
 * The brigade evidence among `reports`, or null when there is none: at least `minReports` reports created
 * within `windowMs` before `now`, and more than half of their score from low-trust reporters.
 */
export function detectBrigade(reports: readonly GuardedReport[], policy: BrigadePolicy, now: Date): Omit<BrigadeEvidence, 'heldBack'> | null {
  const since = now.getTime() - policy.windowMs;
  const burst = reports.filter((report) => report.createdAt.getTime() >= since);
  if (burst.length < policy.minReports) return null;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  const scoreInWindow = round(burst.reduce((sum, report) => sum + report.weight, 0));
  const lowTrustScore = round(burst.filter((report) => report.lowTrust).reduce((sum, report) => sum + report.weight, 0));
  if (!(lowTrustScore > scoreInWindow * BRIGADE_LOW_TRUST_SHARE)) return null;
  return { reportsInWindow: burst.length, windowMs: policy.windowMs, scoreInWindow, lowTrustScore };
}

/**
 * decideAutoBlock, then the brigade guard (see the module rules). A moderator's report still blocks at once;
 * an image that cannot be auto-blocked is never flagged. Once an image is flagged, the guard keeps holding it
 * while more than half of all its open reports' score is low-trust, whenever they came, until a moderator
 * decides (which clears the flag): a campaign cannot simply wait for its burst to leave the window.
 * @param input.flagged true when the image is already flagged as a suspected brigade target
 * @returns the threshold's decision, or `{ block: false, rule: 'suspected_brigade', … }` with the evidence
 */
export function guardAgainstBrigade(input: {
  status: ImageStatus;
  reports: readonly GuardedReport[];
  restored: boolean;
  policy: ThresholdPolicy;
  brigade: BrigadePolicy;
  now: Date;
  flagged?: boolean;
}): BlockDecision {
  const decision = decideAutoBlock(input);
  if (!AUTO_BLOCKABLE_STATUSES.includes(input.status) || (decision.block && decision.rule === 'moderator_report')) return decision;
  // Every open report, however old: the window reaches back to the oldest one.
  const oldest = Math.min(input.now.getTime(), ...input.reports.map((report) => report.createdAt.getTime()));
  const sinceFlagged = { windowMs: input.now.getTime() - oldest, minReports: 1 };
  const evidence = detectBrigade(input.reports, input.brigade, input.now) ?? (input.flagged ? detectBrigade(input.reports, sinceFlagged, input.now) : null);
  if (!evidence) return decision;
  return { block: false, rule: 'suspected_brigade', ...evidence, heldBack: decision.block };
}
