/**
 * The auto-block decision (report policy v2): do an image's open reports cross its threshold, and are they
 * corroborated well enough to block without a moderator? Pure, no I/O.
 *
 * Every open report (one per reader) has a **standing** fixed when it was made (domain/readers.ts):
 * `proven` (a track record of upheld reports), `ordinary` (a first-party user, or a signed account older than
 * NEW_ACCOUNT_AGE, with no such record yet) or `low_trust` (anonymous, or a new signed account).
 *
 * Rules, in order:
 * 1. Only a `processing` or `visible` image can be auto-blocked.
 * 2. A single open report from a moderator blocks at once.
 * 3. Unproven readers from one place are demoted to low-trust: when UNPROVEN_BURST_MIN or more `ordinary` signed
 *    readers share one guard network (domain/network.ts), or ACCOUNT_CLUSTER_MIN or more were created within
 *    `accountClusterMs` of each other, they count as low-trust (a ring of aged accounts, a batch of farmed
 *    sign-ups).
 * 4. Crossing: at least MIN_COUNTED_REPORTERS reports carry weight, and the total score reaches the threshold,
 *    or the score of one reason reaches that reason's own threshold. Every threshold is multiplied by the
 *    restored factor after a moderator restored the picture, and by the uploader's factor when the operator
 *    gave one.
 * 5. Corroboration: at least one proven reader, or ordinary readers from at least `ordinaryQuorum` distinct
 *    guard networks (a first-party user, whose network is not watched, counts as a network of their own).
 * 6. **Trusted reports block on their own**: when the reports that are not low-trust cross (rule 4) and are
 *    corroborated (rule 5), the image is auto-blocked, however many low-trust reports came with them. A shield
 *    of low-trust noise can never raise the number of ordinary readers needed.
 * 7. Otherwise, when all reports together cross and are corroborated, the image is auto-blocked unless a
 *    low-trust burst is under way: at least `minReports` reports within `windowMs` with more than half of
 *    their score from low-trust reporters (or, once flagged, more than half of all open score).
 * 8. **Low-trust weight alone never blocks**: a crossing that is not corroborated, or that a low-trust burst
 *    carries, is held back: the image stays visible in the `reported` queue, flagged `suspected_brigade`.
 *    A burst or a demotion below the threshold flags the image the same way without holding anything back.
 */
import { AUTO_BLOCKABLE_STATUSES, type ImageStatus } from './image-status.js';
import type { ReporterStanding } from './readers.js';
import type { ReportReason } from './reports.js';

/** Distinct readers whose reports must carry weight before an auto-block (rule 4). */
export const MIN_COUNTED_REPORTERS = 2;
/** Unproven signed readers from one guard network that make a ring (rule 3): an office or a shared ISP pool may hold two honest readers. */
export const UNPROVEN_BURST_MIN = 3;
/**
 * Unproven signed accounts created within ACCOUNT_CLUSTER_WINDOW of each other that make a ring (rule 3): two
 * honest readers' accounts, created at random over years, fall within ten minutes of each other about once in
 * 100,000 pairs, while a batch of sign-ups does so every time; two is also what a lower reason threshold needs.
 */
export const ACCOUNT_CLUSTER_MIN = 2;
/** Share of a burst's score above which it counts as coming from low-trust reporters ("more than half"). */
export const BRIGADE_LOW_TRUST_SHARE = 0.5;

export interface ThresholdPolicy {
  /** AUTO_BLOCK_THRESHOLD: score that blocks, whatever the reasons. */
  threshold: number;
  /** Lower thresholds for single reasons (REASON_THRESHOLDS), e.g. { illegal: 2 }. */
  reasonThresholds: Partial<Record<ReportReason, number>>;
  /** RESTORED_THRESHOLD_FACTOR: multiplier for images a moderator restored. */
  restoredFactor: number;
}

export interface BrigadePolicy {
  /** BRIGADE_MIN_REPORTS: reports inside the window that make a burst. */
  minReports: number;
  /** BRIGADE_WINDOW, in milliseconds. */
  windowMs: number;
  /** CORROBORATION_QUORUM: distinct guard networks of ordinary readers that corroborate a block (rule 5). */
  ordinaryQuorum: number;
  /** ACCOUNT_CLUSTER_WINDOW, in ms: unproven accounts all created within it are a ring (rule 3); 0 turns it off. */
  accountClusterMs: number;
}

/** An open report as the decision sees it. */
export interface PolicyReport {
  reason: ReportReason;
  weight: number;
  reporterRole: 'reader' | 'moderator';
  standing: ReporterStanding;
  /** `signed` readers are watched for rings (rule 3); `user` and `anonymous` are not. */
  reporterKind: 'user' | 'signed' | 'anonymous';
  /** Keyed hash of the reader's guard network; null when unknown or not watched (each null counts apart). */
  guardNetwork: string | null;
  /** A signed reader's account creation date, when the site sends it. */
  accountCreatedAt: Date | null;
  createdAt: Date;
}

/** Why an image was flagged as a suspected brigade target. */
export type BrigadeSignal = 'low_trust_burst' | 'unproven_network' | 'account_cluster' | 'uncorroborated';

/** What the guard saw: the burst, how much of it was low-trust, and which signals fired. */
export interface BrigadeEvidence {
  signals: BrigadeSignal[];
  reportsInWindow: number;
  windowMs: number;
  scoreInWindow: number;
  lowTrustScore: number;
  /** Readers demoted to low-trust by rule 3. */
  demotedReaders: number;
  /** True when the threshold alone would have auto-blocked the image. */
  heldBack: boolean;
}

/** A threshold crossing (rule 4): which rule, the score and the threshold it reached. */
export type Crossing =
  | { rule: 'total_score'; score: number; threshold: number }
  | { rule: 'reason_score'; reason: ReportReason; score: number; threshold: number };

export type BlockDecision =
  | { block: false }
  | ({ block: false; rule: 'suspected_brigade' } & BrigadeEvidence)
  | { block: true; rule: 'moderator_report' }
  | ({ block: true; basis: 'trusted' | 'all'; corroboration: 'proven' | 'quorum' } & Crossing);

const round = (value: number) => Math.round(value * 1000) / 1000;
const sum = (reports: readonly { weight: number }[]) => round(reports.reduce((total, report) => total + report.weight, 0));

/**
 * Rule 4: the first threshold these reports reach, or null. Needs MIN_COUNTED_REPORTERS reports with weight.
 * @param factor the product of the restored and uploader factors (1 by default)
 */
export function crossing(
  reports: readonly Pick<PolicyReport, 'reason' | 'weight'>[],
  policy: ThresholdPolicy,
  factor = 1,
): Crossing | null {
  if (reports.filter((report) => report.weight > 0).length < MIN_COUNTED_REPORTERS) return null;
  const total = sum(reports);
  const threshold = round(policy.threshold * factor);
  if (total >= threshold) return { rule: 'total_score', score: total, threshold };
  for (const [reason, reasonThreshold] of Object.entries(policy.reasonThresholds) as [ReportReason, number][]) {
    const score = sum(reports.filter((report) => report.reason === reason));
    if (score >= round(reasonThreshold * factor))
      return { rule: 'reason_score', reason, score, threshold: round(reasonThreshold * factor) };
  }
  return null;
}

/**
 * Rule 3: the reports with unproven rings demoted to low-trust, and which signal demoted them.
 * A ring is UNPROVEN_BURST_MIN or more ordinary signed readers on one guard network, or ACCOUNT_CLUSTER_MIN or more
 * whose accounts were all created within `accountClusterMs`.
 */
export function demoteRings(
  reports: readonly PolicyReport[],
  brigade: BrigadePolicy,
): { reports: PolicyReport[]; signals: BrigadeSignal[]; demoted: number } {
  const watched = reports.filter(
    (report) => report.standing === 'ordinary' && report.reporterKind === 'signed' && report.reporterRole === 'reader',
  );
  const ringMembers = new Set<PolicyReport>();
  const signals: BrigadeSignal[] = [];
  const byNetwork = new Map<string, PolicyReport[]>();
  for (const report of watched) {
    if (report.guardNetwork === null) continue;
    byNetwork.set(report.guardNetwork, [...(byNetwork.get(report.guardNetwork) ?? []), report]);
  }
  for (const group of byNetwork.values()) {
    if (group.length < UNPROVEN_BURST_MIN) continue;
    group.forEach((report) => ringMembers.add(report));
    if (!signals.includes('unproven_network')) signals.push('unproven_network');
  }
  if (brigade.accountClusterMs > 0) {
    const dated = watched
      .filter((report) => report.accountCreatedAt !== null)
      .sort((a, b) => a.accountCreatedAt!.getTime() - b.accountCreatedAt!.getTime());
    // Any ACCOUNT_CLUSTER_MIN consecutive creation dates within the window form a cluster.
    for (let start = 0; start + ACCOUNT_CLUSTER_MIN <= dated.length; start++) {
      let end = start + ACCOUNT_CLUSTER_MIN - 1;
      if (dated[end]!.accountCreatedAt!.getTime() - dated[start]!.accountCreatedAt!.getTime() > brigade.accountClusterMs) continue;
      while (
        end + 1 < dated.length &&
        dated[end + 1]!.accountCreatedAt!.getTime() - dated[start]!.accountCreatedAt!.getTime() <= brigade.accountClusterMs
      )
        end++;
      dated.slice(start, end + 1).forEach((report) => ringMembers.add(report));
      if (!signals.includes('account_cluster')) signals.push('account_cluster');
    }
  }
  const demoted = reports.map((report) => (ringMembers.has(report) ? { ...report, standing: 'low_trust' as const } : report));
  return { reports: demoted, signals, demoted: ringMembers.size };
}

/** Rule 5: how the reports are corroborated, or null. */
export function corroboration(reports: readonly PolicyReport[], ordinaryQuorum: number): 'proven' | 'quorum' | null {
  const counted = reports.filter((report) => report.weight > 0);
  if (counted.some((report) => report.standing === 'proven')) return 'proven';
  const ordinary = counted.filter((report) => report.standing === 'ordinary');
  const networks = new Set(
    ordinary.map((report, index) =>
      report.reporterKind === 'user' || report.guardNetwork === null ? `own:${index}` : report.guardNetwork,
    ),
  );
  return networks.size >= ordinaryQuorum ? 'quorum' : null;
}

/**
 * Rule 7's burst: at least `minReports` reports within `windowMs` before `now` (every open report when the image
 * is already flagged), with more than half of their score from low-trust reporters.
 */
export function lowTrustBurst(
  reports: readonly PolicyReport[],
  brigade: BrigadePolicy,
  now: Date,
  flagged: boolean,
): Omit<BrigadeEvidence, 'signals' | 'heldBack' | 'demotedReaders'> | null {
  const measure = (windowMs: number, minReports: number) => {
    const burst = reports.filter((report) => report.createdAt.getTime() >= now.getTime() - windowMs);
    const scoreInWindow = sum(burst);
    const lowTrustScore = sum(burst.filter((report) => report.standing === 'low_trust'));
    if (burst.length < minReports || !(lowTrustScore > scoreInWindow * BRIGADE_LOW_TRUST_SHARE)) return null;
    return { reportsInWindow: burst.length, windowMs: brigade.windowMs, scoreInWindow, lowTrustScore };
  };
  // Once flagged, the window reaches back to the oldest open report: a campaign cannot wait out the window.
  return measure(brigade.windowMs, brigade.minReports) ?? (flagged ? measure(Number.POSITIVE_INFINITY, 1) : null);
}

/**
 * Decides whether the image must be auto-blocked now (see the module rules).
 * @param input.restored true when a moderator restored the picture (this image or a near-duplicate) before
 * @param input.uploaderFactor the operator's threshold factor for this image's uploader (default 1)
 * @param input.flagged true when the image is already flagged as a suspected brigade target
 * @returns a block with the rule that fired, a hold or flag with the brigade evidence, or `{ block: false }`
 */
export function decideAutoBlock(input: {
  status: ImageStatus;
  reports: readonly PolicyReport[];
  restored: boolean;
  uploaderFactor?: number;
  policy: ThresholdPolicy;
  brigade: BrigadePolicy;
  now: Date;
  flagged?: boolean;
}): BlockDecision {
  if (!AUTO_BLOCKABLE_STATUSES.includes(input.status)) return { block: false };
  if (input.reports.some((report) => report.reporterRole === 'moderator')) return { block: true, rule: 'moderator_report' };
  const factor = (input.restored ? input.policy.restoredFactor : 1) * (input.uploaderFactor ?? 1);
  const rings = demoteRings(input.reports, input.brigade);
  const trusted = rings.reports.filter((report) => report.standing !== 'low_trust');

  const trustedCrossing = crossing(trusted, input.policy, factor);
  const trustedCorroboration = corroboration(trusted, input.brigade.ordinaryQuorum);
  if (trustedCrossing && trustedCorroboration)
    return { block: true, basis: 'trusted', corroboration: trustedCorroboration, ...trustedCrossing };

  const allCrossing = crossing(rings.reports, input.policy, factor);
  const burst = lowTrustBurst(rings.reports, input.brigade, input.now, input.flagged ?? false);
  if (allCrossing && trustedCorroboration && !burst)
    return { block: true, basis: 'all', corroboration: trustedCorroboration, ...allCrossing };

  const signals: BrigadeSignal[] = [...(burst ? ['low_trust_burst' as const] : []), ...rings.signals];
  if (allCrossing && !trustedCorroboration) signals.push('uncorroborated');
  if (signals.length === 0) return { block: false };
  const inWindow = rings.reports.filter((report) => report.createdAt.getTime() >= input.now.getTime() - input.brigade.windowMs);
  return {
    block: false,
    rule: 'suspected_brigade',
    signals,
    ...(burst ?? {
      reportsInWindow: inWindow.length,
      windowMs: input.brigade.windowMs,
      scoreInWindow: sum(inWindow),
      lowTrustScore: sum(inWindow.filter((report) => report.standing === 'low_trust')),
    }),
    demotedReaders: rings.demoted,
    heldBack: allCrossing !== null,
  };
}
