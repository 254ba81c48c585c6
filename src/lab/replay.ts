/**
 * The policy replay: the real reports of each image, in their real order, decided again with proposed settings
 * through the service's own functions (domain/readers.ts, domain/threshold.ts), and compared with what happened
 * and with what moderators decided in the end. Pure: the histories come from db/replay.repository.ts.
 *
 * Each image is replayed on its own: reports that counted across near-duplicate copies are not pooled, so images
 * whose recorded auto-block pooled copies' reports are listed apart (`pooled`) and left out of the comparison.
 */
import type { ImageStatus } from '../domain/image-status.js';
import type { ReportPolicy } from '../domain/policy.js';
import { isLowTrust, reporterStanding, weighReport, type ReaderKind, type Weighing } from '../domain/readers.js';
import type { ReportReason } from '../domain/reports.js';
import { decideAutoBlock, type PolicyReport } from '../domain/threshold.js';
import { percentiles } from './simulate.js';

/** One report as stored. */
export interface ReplayReport {
  createdAt: Date;
  reason: ReportReason;
  role: 'reader' | 'moderator';
  kind: ReaderKind;
  /** The weight stored with the report, used when its inputs (`weighing`) were not recorded. */
  weight: number;
  weighing: Weighing | null;
  proven: boolean;
  lowTrust: boolean;
  accountCreatedAt: Date | null;
  identityNetwork: string | null;
  guardNetwork: string | null;
}

/** One audit event that matters to a replay. */
export interface ReplayEvent {
  createdAt: Date;
  action: string;
  toStatus: ImageStatus;
  /** Moderator id, or null for the system. */
  actorId: string | null;
  /** For `auto_block`: the near-duplicates whose reports counted. */
  nearDuplicateIds: string[];
}

export interface ImageHistory {
  imageId: string;
  uploaderId: string;
  /** A moderator restored the picture before the replayed period. */
  restoredBefore: boolean;
  reports: ReplayReport[];
  events: ReplayEvent[];
}

/** When an image was auto-blocked, and how many reports and how long from its first report it took. */
interface Block {
  at: Date;
  reports: number;
  msFromFirstReport: number;
}

export interface ImageReplay {
  imageId: string;
  recorded: Block | null;
  replayed: Block | null;
  /** The moderators' last decision: uphold or remove mean the readers were right, restore that they were not. */
  finalDecision: 'upheld' | 'restored' | null;
  pooled: boolean;
}

const DECISIONS: Record<string, 'upheld' | 'restored'> = { uphold: 'upheld', remove: 'upheld', restore: 'restored' };

/** The report as the decision sees it, weighed and classed again under `policy`. */
function asPolicyReport(report: ReplayReport, policy: ReportPolicy): PolicyReport & { identityNetwork: string | null } {
  const lowTrust = isLowTrust({ kind: report.kind, accountCreatedAt: report.accountCreatedAt }, report.createdAt, policy.newAccountAgeMs);
  const weighing = report.weighing && { ...report.weighing, newAccount: report.kind === 'signed' && lowTrust };
  return {
    reason: report.reason,
    weight: weighing ? weighReport(weighing, policy.weights) : report.weight,
    reporterRole: report.role,
    standing: reporterStanding({ lowTrust: report.weighing ? lowTrust : report.lowTrust, proven: report.proven }),
    reporterKind: report.kind,
    guardNetwork: report.guardNetwork,
    accountCreatedAt: report.accountCreatedAt,
    createdAt: report.createdAt,
    identityNetwork: report.identityNetwork,
  };
}

/** One network counts once per image, as db/reports.repository.ts listOpenReports counts it. */
function countNetworksOnce(open: readonly (PolicyReport & { identityNetwork: string | null })[]): PolicyReport[] {
  const keeper = new Map<string, PolicyReport>();
  for (const report of open) {
    if (report.identityNetwork === null) continue;
    const current = keeper.get(report.identityNetwork);
    if (!current || report.weight > current.weight) keeper.set(report.identityNetwork, report);
  }
  return open.map((report) =>
    report.identityNetwork === null || keeper.get(report.identityNetwork) === report ? report : { ...report, weight: 0 },
  );
}

/** Replays one image's history under `policy` (see the module comment). */
export function replayImage(history: ImageHistory, policy: ReportPolicy): ImageReplay {
  const timeline = [
    ...history.reports.map((report) => ({ at: report.createdAt, report, event: null })),
    ...history.events.map((event) => ({ at: event.createdAt, report: null, event })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.event ? 1 : 0) - (b.event ? 1 : 0));
  const firstReport = history.reports[0]?.createdAt;
  let status: ImageStatus = 'visible';
  let open: (PolicyReport & { identityNetwork: string | null })[] = [];
  let flagged = false;
  let restored = history.restoredBefore;
  let accepted = 0;
  let replayed: Block | null = null;
  let recorded: Block | null = null;
  let finalDecision: ImageReplay['finalDecision'] = null;
  let pooled = false;
  let recordedReports = 0;
  for (const entry of timeline) {
    if (entry.event) {
      const event = entry.event;
      if (event.action === 'auto_block' && !recorded) {
        recorded = {
          at: event.createdAt,
          reports: recordedReports,
          msFromFirstReport: event.createdAt.getTime() - (firstReport?.getTime() ?? 0),
        };
        pooled ||= event.nearDuplicateIds.length > 0;
      }
      const decision = event.actorId !== null ? DECISIONS[event.action] : undefined;
      if (decision) {
        finalDecision = decision;
        open = [];
        flagged = false;
        restored ||= decision === 'restored';
        status = event.toStatus;
      } else if (event.action === 'near_duplicate_block' || event.action === 'processing_failed') {
        status = event.toStatus;
      }
      continue;
    }
    recordedReports++;
    if (status !== 'visible' && status !== 'processing') continue;
    open.push(asPolicyReport(entry.report, policy));
    accepted++;
    const decision = decideAutoBlock({
      status,
      reports: countNetworksOnce(open),
      restored,
      uploaderFactor: policy.uploaderFactor(history.uploaderId),
      policy: policy.threshold,
      brigade: policy.brigade,
      now: entry.at,
      flagged,
    });
    if (decision.block) {
      status = 'auto_blocked';
      replayed ??= { at: entry.at, reports: accepted, msFromFirstReport: entry.at.getTime() - (firstReport?.getTime() ?? 0) };
    } else if ('rule' in decision) {
      flagged = true;
    }
  }
  return { imageId: history.imageId, recorded, replayed, finalDecision, pooled };
}

/** What changes with the proposed settings, over every replayed image. */
export interface ReplaySummary {
  images: number;
  /** Images left out: their recorded auto-block pooled near-duplicates' reports. */
  pooled: number;
  before: OutcomeSummary;
  after: OutcomeSummary;
  /** Images auto-blocked in one run and not the other. */
  newlyBlocked: string[];
  noLongerBlocked: string[];
}

export interface OutcomeSummary {
  autoBlocked: number;
  /** Of the auto-blocked, how many moderators later restored (false blocks) or upheld. */
  laterRestored: number;
  laterUpheld: number;
  /** Pictures moderators upheld or removed in the end that were never auto-blocked. */
  missedUpheld: number;
  reportsToBlock: { median: number; p90: number } | null;
  /** Milliseconds from an image's first report to its auto-block. */
  msToBlock: { median: number; p90: number } | null;
}

function outcome(replays: readonly ImageReplay[], pick: (replay: ImageReplay) => Block | null): OutcomeSummary {
  const blocked = replays.filter((replay) => pick(replay) !== null);
  return {
    autoBlocked: blocked.length,
    laterRestored: blocked.filter((replay) => replay.finalDecision === 'restored').length,
    laterUpheld: blocked.filter((replay) => replay.finalDecision === 'upheld').length,
    missedUpheld: replays.filter((replay) => replay.finalDecision === 'upheld' && pick(replay) === null).length,
    reportsToBlock: percentiles(blocked.map((replay) => pick(replay)!.reports)),
    msToBlock: percentiles(blocked.map((replay) => pick(replay)!.msFromFirstReport)),
  };
}

/** Replays every history and sums up before (recorded) and after (replayed with `policy`). */
export function replayHistories(
  histories: readonly ImageHistory[],
  policy: ReportPolicy,
): { summary: ReplaySummary; images: ImageReplay[] } {
  const all = histories.map((history) => replayImage(history, policy));
  const compared = all.filter((replay) => !replay.pooled);
  return {
    images: all,
    summary: {
      images: all.length,
      pooled: all.length - compared.length,
      before: outcome(compared, (replay) => replay.recorded),
      after: outcome(compared, (replay) => replay.replayed),
      newlyBlocked: compared.filter((replay) => replay.replayed && !replay.recorded).map((replay) => replay.imageId),
      noLongerBlocked: compared.filter((replay) => replay.recorded && !replay.replayed).map((replay) => replay.imageId),
    },
  };
}

/** The replay's summary as a markdown table: before (recorded) and after (replayed). */
export function formatReplay(summary: ReplaySummary): string {
  const pair = (value: { median: number; p90: number } | null, unit = '') => (value ? `${value.median}${unit} / ${value.p90}${unit}` : '—');
  const seconds = (value: { median: number; p90: number } | null) =>
    value && { median: Math.round(value.median / 100) / 10, p90: Math.round(value.p90 / 100) / 10 };
  const rows: [string, (outcome: OutcomeSummary) => string][] = [
    ['auto-blocked', (o) => String(o.autoBlocked)],
    ['… later restored by a moderator (false blocks)', (o) => String(o.laterRestored)],
    ['… later upheld or removed', (o) => String(o.laterUpheld)],
    ['upheld pictures never auto-blocked (missed)', (o) => String(o.missedUpheld)],
    ['reports to block (median / p90)', (o) => pair(o.reportsToBlock)],
    ['time from first report to block (median / p90)', (o) => pair(seconds(o.msToBlock), ' s')],
  ];
  return [
    `${summary.images} images replayed (${summary.pooled} left out: their block pooled near-duplicates' reports)`,
    '',
    '| | recorded | replayed |',
    '|---|---|---|',
    ...rows.map(([label, value]) => `| ${label} | ${value(summary.before)} | ${value(summary.after)} |`),
    '',
    `newly auto-blocked: ${summary.newlyBlocked.length}; no longer auto-blocked: ${summary.noLongerBlocked.length}`,
  ].join('\n');
}
