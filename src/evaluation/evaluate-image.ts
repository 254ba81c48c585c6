/** Use case: recount an image's open reports and auto-block it when they cross its threshold. */
import type { Deps } from '../deps.js';
import {
  findSiteAndNearDuplicates,
  findSitesAndNearDuplicates,
  lockImageClosingJobs,
  lockImagesClosingJobs,
  setScore,
  setScores,
  transitionImage,
  type ImageRow,
  type NearDuplicate,
} from '../db/images.repository.js';
import { appendEvent } from '../db/moderation-events.repository.js';
import { enqueueOutbox, wakeOutboxRelay } from '../db/outbox.repository.js';
import { enqueueStatusEvent } from '../webhooks/events.js';
import { withTransaction } from '../db/pool.js';
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
import type { SiteRow } from '../db/sites.repository.js';
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

/**
 * What the policy makes of an image's reads under its lock: the score, whether a moderator's restore stands for
 * the picture, and the threshold's decision (domain/threshold.ts), as of now.
 */
function judge(
  config: Config,
  read: { image: ImageRow; site: SiteRow | null; copies: NearDuplicate[]; reports: PolicyReport[] },
): { score: Score; restored: boolean; decision: BlockDecision; uploaderFactor: number } {
  const { image, site, copies, reports } = read;
  // A moderator's restore of any copy stands for the picture: a re-upload does not reset it.
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

async function evaluateOnce(deps: Pick<Deps, 'pool' | 'config'>, imageId: string): Promise<Evaluation> {
  const evaluation = await withTransaction(deps.pool, async (client): Promise<Evaluation> => {
    // Before the recount: every request committed so far is answered by it (see markOutboxDone).
    const image = await lockImageClosingJobs(client, imageId, 'evaluate-image');
    if (!image) return { ...scoreReports([]), status: null, blocked: false, decision: { block: false } };
    const { site, copies: nearDuplicates } = await findSiteAndNearDuplicates(client, {
      imageId,
      siteId: image.siteId,
      maxDistance: deps.config.PHASH_MATCH_DISTANCE,
    });
    const copies = countedCopies(image, site, nearDuplicates);
    const nearDuplicateIds = copies.map((copy) => copy.id);
    const reports = await listOpenReports(client, imageId, nearDuplicateIds);
    const { score, restored, decision, uploaderFactor } = judge(deps.config, { image, site, copies, reports });
    await setScore(client, imageId, score.score);
    const brigadeHeld =
      !decision.block &&
      'rule' in decision &&
      (await recordSuspectedBrigade(client, { imageId, status: image.status, evidence: decision })) &&
      decision.heldBack;
    const unchanged = { ...score, status: image.status, blocked: false, decision, brigadeHeld, siteId: image.siteId };
    if (!decision.block) return unchanged;
    const to = planAutomatic('auto_block', image.status);
    // A moderator's report is the operator's own judgement: the breaker watches readers.
    const watched = Boolean(to) && decision.rule !== 'moderator_report';
    if (watched) {
      const breaker = await checkSiteBreaker(client, deps.config, site);
      if (!breaker.allow) {
        const held = await holdForBreaker(client, { image, breaker, reason: describe(decision), score: score.score });
        return { ...unchanged, breakerHeld: held, breakerTripped: breaker.rule === 'trips' && breaker.tripped };
      }
    }
    const previous = to && (await transitionImage(client, { id: imageId, from: [image.status], to }));
    if (!to || previous === null) return unchanged;
    await enqueueStatusEvent(client, { imageId, from: previous, to });
    await appendEvent(client, {
      imageId,
      actorId: null,
      action: 'auto_block',
      fromStatus: previous,
      toStatus: to,
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
    });
    for (const id of nearDuplicateIds) await enqueueOutbox(client, { topic: 'evaluate-image', imageId: id });
    // Last, so the site's count of the minute is held only until the commit.
    if (watched) await confirmSiteBreaker(client, deps.config, site);
    return {
      ...score,
      status: to,
      blocked: true,
      siteId: image.siteId,
      decision,
      crossingReportAt: reports.reduce<Date | null>(
        (latest, report) => (latest && latest > report.createdAt ? latest : report.createdAt),
        null,
      ),
    };
  });
  if (evaluation.blocked) wakeOutboxRelay(deps.pool);
  return evaluation;
}

/** PostgreSQL's deadlock_detected: a batch met a transaction that locks several images in another order. */
const DEADLOCK = '40P01';

/**
 * Evaluates several images at once, for a batch of evaluate-image jobs, with the same outcome as evaluateImage
 * for each but a fraction of the round trips: one transaction locks them all in id order (closing their jobs),
 * reads their sites, near-duplicates and open reports in one statement each, and records every score in one.
 * An image whose decision asks for more than its score (an auto-block, or a brigade to record) is then evaluated
 * again on its own with evaluateImage, which re-reads under its lock and does the rest. One id alone goes
 * straight to evaluateImage. Pass each id once: a second evaluation of an image belongs in a later batch.
 * @returns by image id, every id asked for (status null for an unknown image)
 * @throws what evaluateImage throws; a deadlock falls back to one evaluateImage per image
 */
export async function evaluateImages(deps: Pick<Deps, 'pool' | 'config'>, imageIds: readonly string[]): Promise<Map<string, Evaluation>> {
  if (imageIds.length === 1) return new Map([[imageIds[0]!, await evaluateImage(deps, imageIds[0]!)]]);
  let settled: Map<string, Evaluation>;
  try {
    settled = await withTransaction(deps.pool, async (client) => {
      const images = await lockImagesClosingJobs(client, imageIds, 'evaluate-image');
      const reads = await findSitesAndNearDuplicates(
        client,
        images.map((image) => ({ imageId: image.id, siteId: image.siteId })),
        deps.config.PHASH_MATCH_DISTANCE,
      );
      const counted = images.map((image) => {
        const { site, copies } = reads.get(image.id)!;
        return { image, site, copies: countedCopies(image, site, copies) };
      });
      const reportsOf = await listOpenReportsOfImages(
        client,
        counted.map(({ image, copies }) => ({ imageId: image.id, nearDuplicateIds: copies.map((copy) => copy.id) })),
      );
      const judged = counted.map((read) => ({ ...read, ...judge(deps.config, { ...read, reports: reportsOf.get(read.image.id) ?? [] }) }));
      await setScores(
        client,
        judged.map(({ image, score }) => ({ id: image.id, score: score.score })),
      );
      const done = new Map<string, Evaluation>();
      for (const { image, score, decision } of judged) {
        // Only a decision that writes nothing but the score is settled here (see BlockDecision).
        if (!decision.block && !('rule' in decision))
          done.set(image.id, { ...score, status: image.status, blocked: false, decision, siteId: image.siteId });
      }
      const found = new Set(images.map((image) => image.id));
      for (const id of imageIds.filter((id) => !found.has(id)))
        done.set(id, { ...scoreReports([]), status: null, blocked: false, decision: { block: false } });
      return done;
    });
  } catch (error) {
    if ((error as { code?: unknown }).code !== DEADLOCK) throw error;
    settled = new Map();
  }
  const rest = imageIds.filter((id) => !settled.has(id));
  const evaluated = await Promise.all(rest.map((id) => evaluateImage(deps, id)));
  rest.forEach((id, i) => settled.set(id, evaluated[i]!));
  return settled;
}
