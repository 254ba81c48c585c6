/**
 * Report reasons and the score of a set of open reports. Pure functions with no I/O.
 */
export const REPORT_REASONS = ['spam', 'nudity', 'violence', 'hate', 'harassment', 'copyright', 'illegal', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** Longest note a reader may attach to a report, in characters. */
export const MAX_NOTE_LENGTH = 500;

/** An open report as the threshold sees it. */
export interface OpenReport {
  reason: ReportReason;
  weight: number;
}

/** The sum of weights and the per-reason breakdown of an image's open reports. */
export interface Score {
  score: number;
  reports: number;
  byReason: Partial<Record<ReportReason, number>>;
}

/**
 * Sums the weights of open reports. Weights are stored with 3 decimals, so the sum is rounded to 3
 * decimals to keep 0.1 + 0.2 from missing a threshold of 0.3.
 */
export function scoreReports(reports: readonly OpenReport[]): Score {
  const byReason: Partial<Record<ReportReason, number>> = {};
  let score = 0;
  for (const report of reports) {
    score += report.weight;
    byReason[report.reason] = (byReason[report.reason] ?? 0) + 1;
  }
  return { score: Math.round(score * 1000) / 1000, reports: reports.length, byReason };
}
