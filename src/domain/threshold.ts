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

export type BlockDecision =
  | { block: false }
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
