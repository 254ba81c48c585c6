/**
 * Counters of what imgmod does, process-wide (prom-client), incremented where each event happens: reports
 * received by outcome, auto-blocks by rule, brigade holds, decisions, the time from the report that crossed the
 * threshold to the block, and job durations and failures by queue. /metrics (http/metrics.routes.ts) exposes
 * them with the gauges; a worker-only process exposes its own on METRICS_PORT.
 */
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry } from 'prom-client';
import { REPORT_REASONS, type ReportReason } from './domain/reports.js';

/** The registry of the event counters below (merged into each /metrics registry). */
export const eventRegistry = new Registry();

export const REPORT_OUTCOMES = ['new', 'duplicate', 'rate_limited', 'refused'] as const;

const reportsReceived = new Counter({
  name: 'imgmod_reports_received_total',
  help: 'Reports received, by reason and outcome: new (recorded), duplicate (the reader had reported it), rate_limited (429), refused (any other 4xx)',
  labelNames: ['reason', 'outcome'] as const,
  registers: [eventRegistry],
});

const autoBlocks = new Counter({
  name: 'imgmod_auto_blocks_total',
  help: 'Images auto-blocked by the threshold policy, by the rule that fired (total_score, reason_score, moderator_report)',
  labelNames: ['rule'] as const,
  registers: [eventRegistry],
});

const brigadeHolds = new Counter({
  name: 'imgmod_brigade_holds_total',
  help: 'Auto-blocks the brigade guard held back for a moderator (the threshold was reached by a suspected brigade)',
  registers: [eventRegistry],
});

const siteReports = new Counter({
  name: 'imgmod_site_reports_total',
  help: 'Reports recorded (new, not duplicates), by the site of the image',
  labelNames: ['site'] as const,
  registers: [eventRegistry],
});

const siteAutoBlocks = new Counter({
  name: 'imgmod_site_auto_blocks_total',
  help: 'Report-driven auto-blocks, by the site of the image',
  labelNames: ['site'] as const,
  registers: [eventRegistry],
});

const siteBreakerHolds = new Counter({
  name: 'imgmod_site_breaker_holds_total',
  help: "Auto-blocks a site's circuit breaker held for review instead (the image stayed visible), by site",
  labelNames: ['site'] as const,
  registers: [eventRegistry],
});

const siteBreakerTrips = new Counter({
  name: 'imgmod_site_breaker_trips_total',
  help: "Times a site's circuit breaker tripped (its auto-blocks went far above its usual rate), by site",
  labelNames: ['site'] as const,
  registers: [eventRegistry],
});

/** Counts a new report on an image of `siteId`. */
export function recordSiteReport(siteId: string): void {
  siteReports.inc({ site: siteId });
}

const decisions = new Counter({
  name: 'imgmod_decisions_total',
  help: "Moderators' decisions, by action (uphold, restore, remove…)",
  labelNames: ['action'] as const,
  registers: [eventRegistry],
});

const reportToBlock = new Histogram({
  name: 'imgmod_report_to_block_seconds',
  help: 'Seconds from the report that crossed the threshold (its created_at) to the auto-block committing',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [eventRegistry],
});

const jobDuration = new Histogram({
  name: 'imgmod_job_duration_seconds',
  help: 'Duration of jobs that finished, by queue',
  labelNames: ['queue'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [eventRegistry],
});

const jobFailures = new Counter({
  name: 'imgmod_job_failures_total',
  help: 'Job attempts that failed (each is retried until its attempts are used up), by queue',
  labelNames: ['queue'] as const,
  registers: [eventRegistry],
});

const evaluationBatches = new Histogram({
  name: 'imgmod_evaluation_batch_size',
  help: 'Images per evaluation batch: evaluate-image jobs that waited behind a running evaluation share one transaction',
  buckets: [1, 2, 4, 8, 16, 32, 64],
  registers: [eventRegistry],
});

/** Counts one evaluation batch of `size` images (workers/evaluate-image.processor.ts). */
export function recordEvaluationBatch(size: number): void {
  evaluationBatches.observe(size);
}

const reportBatches = new Histogram({
  name: 'imgmod_report_batch_size',
  help: 'Reports per write: reports that arrived while another write was at the database share one statement',
  buckets: [1, 2, 4, 8, 16, 32, 64],
  registers: [eventRegistry],
});

/** Counts one batched write of `size` reports (reports/report-image.ts). */
export function recordReportBatch(size: number): void {
  reportBatches.observe(size);
}

/** Records a finished job's duration (ms) for `queue`. */
export function recordJob(queue: string, durationMs: number): void {
  jobDuration.observe({ queue }, durationMs / 1000);
}

/** Counts a failed job attempt of `queue`. */
export function recordJobFailure(queue: string): void {
  jobFailures.inc({ queue });
}

/** Counts a moderator's decision; returns it unchanged (so it can end a promise chain). */
export function recordDecision<T extends { action: string }>(decision: T): T {
  decisions.inc({ action: decision.action });
  return decision;
}

/**
 * Counts an evaluation's outcome: an auto-block by its rule, with the time since the crossing report, or a
 * block the brigade guard held back; per site, auto-blocks and the circuit breaker's holds and trips. Returns
 * it unchanged.
 */
export function recordEvaluation<
  T extends {
    blocked: boolean;
    brigadeHeld?: boolean;
    crossingReportAt?: Date | null;
    decision: object;
    siteId?: string;
    breakerHeld?: boolean;
    breakerTripped?: boolean;
  },
>(evaluation: T): T {
  const site = evaluation.siteId;
  if (site !== undefined) {
    if (evaluation.blocked) siteAutoBlocks.inc({ site });
    if (evaluation.breakerHeld) siteBreakerHolds.inc({ site });
    if (evaluation.breakerTripped) siteBreakerTrips.inc({ site });
  }
  if (evaluation.blocked) {
    const rule = 'rule' in evaluation.decision ? String(evaluation.decision.rule) : 'unknown';
    autoBlocks.inc({ rule });
    if (evaluation.crossingReportAt) reportToBlock.observe(Math.max(0, (Date.now() - evaluation.crossingReportAt.getTime()) / 1000));
  }
  if (evaluation.brigadeHeld) brigadeHolds.inc();
  return evaluation;
}

/** The outcome label of a report answer's HTTP status, or null for outages (5xx), which are not reports received. */
export function reportOutcome(status: number): (typeof REPORT_OUTCOMES)[number] | null {
  if (status === 202) return 'new';
  if (status === 200) return 'duplicate';
  if (status === 429) return 'rate_limited';
  return status >= 400 && status < 500 ? 'refused' : null;
}

/** Middleware for the report route: counts the report by reason and outcome once its answer is sent. */
export const countReport: RequestHandler = (req, res, next) => {
  res.on('finish', () => {
    const outcome = reportOutcome(res.statusCode);
    const given = (req.body as { reason?: unknown } | undefined)?.reason;
    const reason = REPORT_REASONS.includes(given as ReportReason) ? (given as string) : 'invalid';
    if (outcome) reportsReceived.inc({ reason, outcome });
  });
  next();
};
