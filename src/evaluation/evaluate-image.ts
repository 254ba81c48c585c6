/** Use case: recount an image's open reports and auto-block it when they cross its threshold. */
import type { Deps } from '../deps.js';
import {
  findSiteAndNearDuplicates,
  findSitesAndNearDuplicates,
  lockImageClosingJobs,
  lockImagesClosingJobs,
  setScore,
  setScores,
  transitionImageWithEvents,
  type ImageRow,
  type NearDuplicate,
} from '../db/images.repository.js';
import { enqueueOutbox, wakeOutboxRelay } from '../db/outbox.repository.js';
import { statusChangeEvent } from '../webhooks/events.js';
import { withTransaction, type Queryable } from '../db/pool.js';
import { currentRequestId, runWithRequestId } from '../request-context.js';
import type { Config } from '../config.js';
import type { PolicyReport } from '../domain/threshold.js';
import { listOpenReports, listOpenReportsOfImages } from '../db/reports.repository.js';
import { planAutomatic } from '../domain/automatic-transitions.js';
import { pictureWasRestored } from '../domain/decisions.js';
import { countsAcrossCopies } from '../domain/demo-sandbox.js';
import type { ImageStatus } from '../domain/image-status.js';
import { scoreReports, type Score } from '../domain/reports.js';
import { reportPolicy } from '../domain/policy.js';
import { decideAutoBlock, type BlockDecision } from '../domain/threshold.js';
import { recordSuspectedBrigade } from './flag-brigade.js';
import { readSiteAutoBlocks, type SiteAutoBlocks, type SiteRow } from '../db/sites.repository.js';
import { siteThresholdPolicy, sitesMayPool } from '../domain/sites.js';
import { BreakerRaced, checkSiteBreaker, confirmSiteBreaker, holdForBreaker } from './site-breaker.js';

export interface Evaluation extends Score {
  /** Status after evaluation; null for an unknown image. */
  status: ImageStatus | null;
  /** True when this call auto-blocked the image. */
  blocked: boolean;
  decision: BlockDecision;
  /** True when this call recorded that the brigade guard held back a block (see flag-brigade.ts). */
  brigadeHeld?: boolean;
  /** When the block was made: the newest counted report's created_at, the one that crossed the threshold. */
  crossingReportAt?: Date | null;
  /** The image's site. */
  siteId?: string;
  /** True when the site's circuit breaker held this auto-block for review (the image stays visible). */
  breakerHeld?: boolean;
  /** True when this evaluation tripped the site's circuit breaker. */
  breakerTripped?: boolean;
}

function describe(decision: BlockDecision & { block: true }): string {
  switch (decision.rule) {
    case 'moderator_report':
      return 'reported by a moderator';
    case 'total_score':
      return `score ${decision.score} reached the auto-block threshold ${decision.threshold}${corroborated(decision)}`;
    case 'reason_score':
      return `score ${decision.score} for "${decision.reason}" reached its threshold ${decision.threshold}${corroborated(decision)}`;
  }
}

function corroborated(decision: Extract<BlockDecision, { basis: unknown }>): string {
  const who = decision.corroboration === 'proven' ? 'a reader with a proven record' : 'ordinary readers on distinct networks';
  return `, ${decision.basis === 'trusted' ? 'by trusted readers alone' : 'with low-trust readers'}, corroborated by ${who}`;
}

/**
 * The near-duplicates whose reports count toward `image`: never across the demo sandbox (domain/demo-sandbox.ts),
 * and across sites only when both opted in to pooling (domain/sites.ts).
 */
function countedCopies(image: ImageRow, site: SiteRow | null, copies: NearDuplicate[]): NearDuplicate[] {
  const own = { id: image.siteId, poolAcrossSites: site?.poolReportsAcrossSites ?? false };
  return copies.filter(
    (copy) =>
      countsAcrossCopies(image.uploaderId, copy.uploaderId) &&
      sitesMayPool(own, { id: copy.siteId, poolAcrossSites: copy.poolAcrossSites }),
  );
}

/**
 * Recounts from PostgreSQL (never from a counter held only in Redis), records the score, and when the
 * threshold policy says so moves the image to `auto_blocked` with a guarded UPDATE and one audit event
 * holding the score and the reasons, in one transaction. The image row is locked first, so concurrent
 * evaluations of one image run one after the other and exactly one of them blocks it. Safe to run again.
 * Open reports on the image's near-duplicates (perceptual hash within PHASH_MATCH_DISTANCE) count too, one
 * per reader; when the image is blocked, its near-duplicates are evaluated again, since they share the score.
 * A suspected brigade (domain/threshold.ts) is not blocked but flagged for a moderator.
 */
export async function evaluateImage(deps: Pick<Deps, 'pool' | 'config'>, imageId: string): Promise<Evaluation> {
  // Concurrent auto-blocks of one site that together would go over its breaker's limit: the last to commit runs again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await evaluateOnce(deps, imageId);
    } catch (error) {
      if (!(error instanceof BreakerRaced) || attempt >= MAX_BREAKER_RACES) throw error;
    }
  }
}

/** Evaluations run again at most this many times in all when the site's breaker was raced (then the job retries). */
const MAX_BREAKER_RACES = 5;

/** One image's reads under its lock: the image, its site, the near-duplicates whose reports count, and the reports. */
interface LockedRead {
  image: ImageRow;
  site: SiteRow | null;
  copies: NearDuplicate[];
  reports: PolicyReport[];
}

/** What the policy makes of a LockedRead, as of now. */
interface Judgement {
  score: Score;
  /** A moderator's restore of any copy stands for the picture: a re-upload does not reset it. */
  restored: boolean;
  decision: BlockDecision;
  uploaderFactor: number;
}

/** Judges a LockedRead: the score and the threshold's decision (domain/threshold.ts). */
function judge(config: Config, read: LockedRead): Judgement {
  const { image, site, copies, reports } = read;
  const restored = pictureWasRestored({ restored: image.restoredAt !== null }, copies);
  const policy = reportPolicy(config);
  const uploaderFactor = policy.uploaderFactor(image.uploaderId);
  const decision = decideAutoBlock({
    status: image.status,
    reports,
    restored,
    uploaderFactor,
    policy: siteThresholdPolicy(policy.threshold, site?.thresholds ?? {}),
    brigade: policy.brigade,
    now: new Date(),
    flagged: image.suspectedBrigadeAt !== null,
  });
  return { score: scoreReports(reports), restored, decision, uploaderFactor };
}

/**
 * Writes what a judgement asks for beyond the score, in the evaluation's transaction with the image locked: the
 * brigade flag, or the breaker's hold, or the auto-block with its audit event, webhook and near-duplicates' jobs.
 * @returns the evaluation, and whether the site's breaker must count the block (confirmSiteBreaker) as the
 *   transaction's last step
 */
async function act(
  db: Queryable,
  config: Config,
  read: LockedRead,
  judgement: Judgement,
  readCounts?: (siteId: string) => Promise<SiteAutoBlocks>,
): Promise<{ evaluation: Evaluation; confirm: boolean }> {
  const { image, site, copies, reports } = read;
  const { score, restored, decision, uploaderFactor } = judgement;
  const imageId = image.id;
  const brigadeHeld =
    !decision.block &&
    'rule' in decision &&
    (await recordSuspectedBrigade(db, { imageId, status: image.status, evidence: decision })) &&
    decision.heldBack;
  const unchanged = {
    evaluation: { ...score, status: image.status, blocked: false, decision, brigadeHeld, siteId: image.siteId },
    confirm: false,
  };
  if (!decision.block) return unchanged;
  const to = planAutomatic('auto_block', image.status);
  // A moderator's report is the operator's own judgement: the breaker watches readers.
  const watched = Boolean(to) && decision.rule !== 'moderator_report';
  if (watched) {
    const breaker = await checkSiteBreaker(db, config, site, readCounts);
    if (!breaker.allow) {
      const held = await holdForBreaker(db, { image, breaker, reason: describe(decision), score: score.score });
      const evaluation = { ...unchanged.evaluation, breakerHeld: held, breakerTripped: breaker.rule === 'trips' && breaker.tripped };
      return { evaluation, confirm: false };
    }
  }
  if (!to) return unchanged;
  const nearDuplicateIds = copies.map((copy) => copy.id);
  // One statement: the guarded UPDATE, its audit event and its webhook deliveries.
  const previous = await transitionImageWithEvents(db, {
    id: imageId,
    from: image.status,
    to,
    event: {
      action: 'auto_block',
      reason: describe(decision),
      details: {
        ...decision,
        score: score.score,
        reports: score.reports,
        byReason: score.byReason,
        restored,
        uploaderFactor,
        nearDuplicateIds,
      },
    },
    webhook: statusChangeEvent({ imageId, from: image.status, to }),
  });
  if (previous === null) return unchanged;
  for (const id of nearDuplicateIds) await enqueueOutbox(db, { topic: 'evaluate-image', imageId: id });
  const crossingReportAt = reports.reduce<Date | null>(
    (latest, report) => (latest && latest > report.createdAt ? latest : report.createdAt),
    null,
  );
  return { evaluation: { ...score, status: to, blocked: true, siteId: image.siteId, decision, crossingReportAt }, confirm: watched };
}

const UNKNOWN_IMAGE: Evaluation = { ...scoreReports([]), status: null, blocked: false, decision: { block: false } };

async function evaluateOnce(deps: Pick<Deps, 'pool' | 'config'>, imageId: string): Promise<Evaluation> {
  const evaluation = await withTransaction(deps.pool, async (client): Promise<Evaluation> => {
    // Before the recount: every request committed so far is answered by it (see markOutboxDone).
    const image = await lockImageClosingJobs(client, imageId, 'evaluate-image');
    if (!image) return UNKNOWN_IMAGE;
    const { site, copies: nearDuplicates } = await findSiteAndNearDuplicates(client, {
      imageId,
      siteId: image.siteId,
      maxDistance: deps.config.PHASH_MATCH_DISTANCE,
    });
    const copies = countedCopies(image, site, nearDuplicates);
    const reports = await listOpenReports(
      client,
      imageId,
      copies.map((copy) => copy.id),
    );
    const read = { image, site, copies, reports };
    const judgement = judge(deps.config, read);
    await setScore(client, imageId, judgement.score.score);
    const { evaluation, confirm } = await act(client, deps.config, read, judgement);
    // Last, so the site's count of the minute is held only until the commit.
    if (confirm) await confirmSiteBreaker(client, deps.config, site);
    return evaluation;
  });
  if (evaluation.blocked) wakeOutboxRelay(deps.pool);
  return evaluation;
}

/**
 * SQLSTATEs after which a batch's images are evaluated on their own: lock_not_available (a lock held longer than
 * BATCH_LOCK_WAIT_MS) and deadlock_detected (a transaction that locks several images in another order).
 */
const ALONE_AFTER: ReadonlySet<string> = new Set(['55P03', '40P01']);

/**
 * Evaluates several images at once, for a batch of evaluate-image jobs, with the same outcome as evaluateImage
 * for each but a fraction of the round trips: one transaction locks them all in id order (closing their jobs),
 * reads their sites and near-duplicates, then their open reports, in one statement each, records every score in
 * one, then writes what each decision asks for beyond its score (most ask for nothing), and counts its
 * auto-blocks in their sites' breakers last, in site order. One id alone goes straight to evaluateImage. Pass each
 * id once: a second evaluation of an image belongs in a later batch.
 * @param requestIdOf the request behind each image's job, recorded on the outbox rows its evaluation writes
 *   (default: the current request's, for all)
 * @returns by image id, every id asked for (status null for an unknown image)
 * @throws what evaluateImage throws (see startEvaluations)
 */
export async function evaluateImages(
  deps: Pick<Deps, 'pool' | 'config'>,
  imageIds: readonly string[],
  requestIdOf: (imageId: string) => string | null = () => currentRequestId(),
): Promise<Map<string, Evaluation>> {
  if (imageIds.length === 1) {
    const id = imageIds[0]!;
    return new Map([[id, await runWithRequestId(requestIdOf(id), () => evaluateImage(deps, id))]]);
  }
  const started = await startEvaluations(deps, imageIds, requestIdOf);
  const evaluated = await Promise.all(imageIds.map((id) => Promise.resolve(started.get(id)!)));
  return new Map(imageIds.map((id, i) => [id, evaluated[i]!]));
}

/**
 * How long a batch waits for any lock, in ms. A report holds its image's row for a few ms, so a batch waits for
 * that and keeps the image; a lock held longer (a stuck session, a long moderator transaction) ends the batch
 * instead of stalling it and every batch after it, and its images are evaluated on their own.
 */
export const BATCH_LOCK_WAIT_MS = 250;

/**
 * evaluateImages' batch, answering as soon as its transaction ends. When a lock is not granted within
 * BATCH_LOCK_WAIT_MS (an image another session holds for long), when the batch deadlocks with a transaction that
 * locks several images in another order, or when a site's breaker was raced, every image is evaluated again on
 * its own with evaluateImage, whose evaluation may still be running when this answers (so a locked image holds up
 * neither the others nor the batches after it).
 * @returns by image id, every id asked for: the batch's evaluation, or the promise of the image's own
 * @throws what the batch's transaction throws otherwise
 */
export async function startEvaluations(
  deps: Pick<Deps, 'pool' | 'config'>,
  imageIds: readonly string[],
  requestIdOf: (imageId: string) => string | null = () => currentRequestId(),
): Promise<Map<string, Evaluation | Promise<Evaluation>>> {
  const alone = (id: string) => runWithRequestId(requestIdOf(id), () => evaluateImage(deps, id));
  let evaluations: Map<string, Evaluation>;
  try {
    evaluations = await withTransaction(
      deps.pool,
      async (client) => {
        const images = await lockImagesClosingJobs(client, imageIds, 'evaluate-image');
        const found = await findSitesAndNearDuplicates(
          client,
          images.map((image) => ({ imageId: image.id, siteId: image.siteId })),
          deps.config.PHASH_MATCH_DISTANCE,
        );
        const counted = images.map((image) => {
          const { site, copies } = found.get(image.id)!;
          return { image, site, copies: countedCopies(image, site, copies) };
        });
        const reportsOf = await listOpenReportsOfImages(
          client,
          counted.map(({ image, copies }) => ({ imageId: image.id, nearDuplicateIds: copies.map((copy) => copy.id) })),
        );
        const judged = counted.map((read) => {
          const full = { ...read, reports: reportsOf.get(read.image.id) ?? [] };
          return { read: full, judgement: judge(deps.config, full) };
        });
        await setScores(
          client,
          judged.map(({ read, judgement }) => ({ id: read.image.id, score: judgement.score.score })),
        );
        const done = new Map<string, Evaluation>();
        // Each site's counts read once (see checkSiteBreaker), and its blocks counted in one statement, last.
        const counts = new Map<string, Promise<SiteAutoBlocks>>();
        const readCounts = (siteId: string) => {
          if (!counts.has(siteId)) counts.set(siteId, readSiteAutoBlocks(client, siteId));
          return counts.get(siteId)!;
        };
        const confirms = new Map<string, { site: SiteRow; blocks: number }>();
        for (const { read, judgement } of judged) {
          const id = read.image.id;
          const { evaluation, confirm } = await runWithRequestId(requestIdOf(id), () =>
            act(client, deps.config, read, judgement, readCounts),
          );
          done.set(id, evaluation);
          if (confirm && read.site) {
            const entry = confirms.get(read.site.id) ?? { site: read.site, blocks: 0 };
            confirms.set(read.site.id, { ...entry, blocks: entry.blocks + 1 });
          }
        }
        // Last, in site order: two batches counting blocks of the same two sites wait for each other, never deadlock.
        const bySite = [...confirms.values()].sort((a, b) => (a.site.id < b.site.id ? -1 : a.site.id > b.site.id ? 1 : 0));
        for (const { site, blocks } of bySite) await confirmSiteBreaker(client, deps.config, site, blocks);
        return done;
      },
      { lockTimeoutMs: BATCH_LOCK_WAIT_MS },
    );
  } catch (error) {
    if (!ALONE_AFTER.has(String((error as { code?: unknown }).code)) && !(error instanceof BreakerRaced)) throw error;
    return new Map(imageIds.map((id) => [id, alone(id)]));
  }
  if ([...evaluations.values()].some((evaluation) => evaluation.blocked)) wakeOutboxRelay(deps.pool);
  // An unknown image: evaluateImage answers that at once.
  return new Map(imageIds.map((id) => [id, evaluations.get(id) ?? alone(id)]));
}
