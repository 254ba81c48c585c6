/**
 * The policy simulation: synthetic readers report synthetic pictures over simulated time, and every report goes
 * through exactly the functions the service uses (domain/trust.ts, domain/readers.ts, domain/threshold.ts), with
 * the rate limits modelled (lab/rate-limit-model.ts). No database, no clock: deterministic for a seed.
 */
import { isLowTrust, reporterStanding, weighReport, type ReaderKind } from '../domain/readers.js';
import type { ReportPolicy } from '../domain/policy.js';
import type { RateLimit } from '../domain/durations.js';
import type { ReportReason } from '../domain/reports.js';
import { decideAutoBlock, type PolicyReport } from '../domain/threshold.js';
import { isProven, reportWeight, type TrackRecord } from '../domain/trust.js';
import { seededRandom, type Random } from './random.js';
import { RateLimitModel } from './rate-limit-model.js';

/** The simulation's epoch: simulated milliseconds count from here. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);

export interface SimReader {
  id: string;
  kind: ReaderKind;
  /** Account creation in simulated ms (negative: before the run); null when the site does not say. */
  accountCreatedAtMs: number | null;
  /** The identity network ("one network counts once" for anonymous readers) and the guard network. */
  identityNetwork: string;
  guardNetwork: string;
  track: TrackRecord;
}

export interface SimPicture {
  id: string;
  abusive: boolean;
  /** A moderator restored this picture before the run. */
  restored?: boolean;
  uploaderId?: string;
  /** Already hidden when the run starts (the farming scenario reports such pictures). */
  hidden?: boolean;
}

export type SimEvent =
  | { atMs: number; kind: 'report'; readerId: string; pictureId: string; reason: ReportReason }
  /** Moderators decide every picture waiting in a queue: uphold the abusive ones, restore the others. */
  | { atMs: number; kind: 'moderate' };

export interface ScenarioRun {
  readers: SimReader[];
  pictures: SimPicture[];
  events: SimEvent[];
}

export interface Scenario {
  name: string;
  /** `attack` rows have targets of 0 false blocks; `honest` rows measure blocking; `limit` rows show what the policy cannot tell apart. */
  group: 'attack' | 'honest' | 'limit';
  description: string;
  build(random: Random): ScenarioRun;
}

export interface ScenarioResult {
  scenario: string;
  group: Scenario['group'];
  benign: number;
  abusive: number;
  falseBlocks: number;
  missed: number;
  /** Accepted reports on an abusive picture when it was auto-blocked, and of those the ones not low-trust. */
  reportsToBlock: number[];
  trustedToBlock: number[];
  /** Pictures that entered a moderator queue: auto-blocked, or flagged as a suspected brigade. */
  queueEntries: number;
  rateLimited: number;
  reports: number;
}

interface OpenReport {
  readerId: string;
  report: PolicyReport;
  identityNetwork: string;
  anonymous: boolean;
  countsForTrust: boolean;
}

interface PictureState {
  picture: SimPicture;
  status: 'visible' | 'auto_blocked' | 'blocked';
  open: OpenReport[];
  flagged: boolean;
  queued: boolean;
  restored: boolean;
  accepted: number;
  everBlocked: boolean;
  /** When each reader's report on it was dismissed (the re-flag cooldown). */
  dismissedAt: Map<string, number>;
}

/** Inserts an event keeping `events` sorted by time (stable for equal times). */
function schedule(events: SimEvent[], event: SimEvent): void {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (events[mid]!.atMs <= event.atMs) low = mid + 1;
    else high = mid;
  }
  events.splice(low, 0, event);
}

/** The settings of one simulation: the report policy and the two rate limits. */
export interface SimulationSettings {
  policy: ReportPolicy;
  readerLimits: readonly RateLimit[];
  networkLimits: readonly RateLimit[];
}

/**
 * Runs one scenario: every report is rate-limited (a refused reader tries again when the window reopens), weighed,
 * given its standing, and followed at once by the auto-block decision, as the worker does within milliseconds.
 */
export function runScenario(scenario: Scenario, settings: SimulationSettings, seed: number): ScenarioResult {
  const run = scenario.build(seededRandom(seed));
  const readers = new Map(run.readers.map((reader) => [reader.id, { ...reader, track: { ...reader.track } }]));
  const states = new Map<string, PictureState>(
    run.pictures.map((picture) => [
      picture.id,
      {
        picture,
        status: picture.hidden ? 'auto_blocked' : 'visible',
        open: [],
        flagged: false,
        queued: false,
        restored: picture.restored ?? false,
        accepted: 0,
        everBlocked: false,
        dismissedAt: new Map(),
      },
    ]),
  );
  const result: ScenarioResult = {
    scenario: scenario.name,
    group: scenario.group,
    benign: run.pictures.filter((picture) => !picture.abusive && !picture.hidden).length,
    abusive: run.pictures.filter((picture) => picture.abusive && !picture.hidden).length,
    falseBlocks: 0,
    missed: 0,
    reportsToBlock: [],
    trustedToBlock: [],
    queueEntries: 0,
    rateLimited: 0,
    reports: 0,
  };
  const limiters = { reader: new RateLimitModel(settings.readerLimits), network: new RateLimitModel(settings.networkLimits) };
  const events = [...run.events].sort((a, b) => a.atMs - b.atMs);
  while (events.length > 0) {
    const event = events.shift()!;
    if (event.kind === 'moderate') {
      moderate(states, readers, event.atMs);
      continue;
    }
    const reader = readers.get(event.readerId)!;
    const state = states.get(event.pictureId)!;
    const wait = Math.max(
      reader.kind === 'user' ? 0 : limiters.reader.consume(reader.id, event.atMs),
      reader.kind === 'anonymous' ? limiters.network.consume(reader.identityNetwork, event.atMs) : 0,
    );
    if (wait > 0) {
      result.rateLimited++;
      schedule(events, { ...event, atMs: event.atMs + wait });
      continue;
    }
    if (!report(state, reader, event, settings.policy)) continue;
    result.reports++;
    evaluate(state, settings.policy, event.atMs, result);
  }
  for (const state of states.values()) {
    if (state.picture.hidden) continue;
    if (state.picture.abusive && !state.everBlocked) result.missed++;
    if (state.queued) result.queueEntries++;
  }
  return result;
}

/** Records one report as report-image.ts does; false for a duplicate or a picture no longer reportable. */
function report(state: PictureState, reader: SimReader, event: Extract<SimEvent, { kind: 'report' }>, policy: ReportPolicy): boolean {
  if (state.open.some((open) => open.readerId === reader.id)) return false;
  const now = new Date(SIM_EPOCH_MS + event.atMs);
  const accountCreatedAt = reader.accountCreatedAtMs === null ? null : new Date(SIM_EPOCH_MS + reader.accountCreatedAtMs);
  const lowTrust = isLowTrust({ kind: reader.kind, accountCreatedAt }, now, policy.newAccountAgeMs);
  const dismissedAt = state.dismissedAt.get(reader.id);
  const weight = weighReport(
    {
      role: 'reader',
      kind: reader.kind,
      trustWeight: reportWeight(reader.track, now),
      cooldown: dismissedAt !== undefined && event.atMs - dismissedAt < policy.reflagCooldownMs,
      networkAlreadyCounted:
        reader.kind === 'anonymous' &&
        state.open.some((open) => open.anonymous && open.identityNetwork === reader.identityNetwork && open.report.weight > 0),
      newAccount: reader.kind === 'signed' && lowTrust,
    },
    policy.weights,
  );
  state.open.push({
    readerId: reader.id,
    identityNetwork: reader.identityNetwork,
    anonymous: reader.kind === 'anonymous',
    countsForTrust: state.status === 'visible',
    report: {
      reason: event.reason,
      weight,
      reporterRole: 'reader',
      standing: reporterStanding({ lowTrust, proven: isProven(reader.track, now) }),
      reporterKind: reader.kind,
      guardNetwork: reader.kind === 'user' ? null : reader.guardNetwork,
      accountCreatedAt,
      createdAt: now,
    },
  });
  state.accepted++;
  return true;
}

/** The worker's evaluation right after a report. */
function evaluate(state: PictureState, policy: ReportPolicy, atMs: number, result: ScenarioResult): void {
  if (state.status !== 'visible') return;
  const decision = decideAutoBlock({
    status: 'visible',
    reports: state.open.map((open) => open.report),
    restored: state.restored,
    uploaderFactor: policy.uploaderFactor(state.picture.uploaderId ?? 'uploader'),
    policy: policy.threshold,
    brigade: policy.brigade,
    now: new Date(SIM_EPOCH_MS + atMs),
    flagged: state.flagged,
  });
  if (!decision.block) {
    if ('rule' in decision) {
      state.flagged = true;
      state.queued = true;
    }
    return;
  }
  state.status = 'auto_blocked';
  state.queued = true;
  if (!state.everBlocked) {
    state.everBlocked = true;
    if (state.picture.abusive) {
      result.reportsToBlock.push(state.accepted);
      result.trustedToBlock.push(state.open.filter((open) => open.report.standing !== 'low_trust').length);
    } else {
      result.falseBlocks++;
    }
  }
}

/** Moderators decide every queued picture: the decision closes its open reports and teaches their readers. */
function moderate(states: Map<string, PictureState>, readers: Map<string, SimReader>, atMs: number): void {
  for (const state of states.values()) {
    if (state.status === 'blocked' || !(state.status === 'auto_blocked' || state.flagged)) continue;
    const uphold = state.picture.abusive || state.picture.hidden === true;
    for (const open of state.open) {
      if (!open.countsForTrust) continue;
      const track = readers.get(open.readerId)!.track;
      if (uphold) track.upheld++;
      else {
        track.dismissed++;
        track.lastDismissedAt = new Date(SIM_EPOCH_MS + atMs);
        state.dismissedAt.set(open.readerId, atMs);
      }
    }
    state.open = [];
    state.flagged = false;
    if (uphold) state.status = 'blocked';
    else {
      state.status = 'visible';
      state.restored = true;
    }
  }
}

/** The median and 90th percentile (nearest rank) of a list, or null for an empty one. */
export function percentiles(values: readonly number[]): { median: number; p90: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { median: rank(0.5), p90: rank(0.9) };
}

/** The simulation's results as a markdown table, one row per scenario. */
export function formatResults(results: readonly ScenarioResult[]): string {
  const header = [
    '| scenario | group | benign | abusive | false blocks | missed | reports to block (median / p90) | trusted reports at block (median) | queue entries | rate-limited |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const rows = results.map((result) => {
    const toBlock = percentiles(result.reportsToBlock);
    const trusted = percentiles(result.trustedToBlock);
    const rate = (count: number, of: number) => (of === 0 ? '—' : `${count} (${((100 * count) / of).toFixed(1)} %)`);
    return `| ${result.scenario} | ${result.group} | ${result.benign} | ${result.abusive} | ${rate(result.falseBlocks, result.benign)} | ${rate(result.missed, result.abusive)} | ${toBlock ? `${toBlock.median} / ${toBlock.p90}` : '—'} | ${trusted ? trusted.median : '—'} | ${result.queueEntries} | ${result.rateLimited} |`;
  });
  return [...header, ...rows].join('\n');
}
