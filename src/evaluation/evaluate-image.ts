/** Use case: recount an image's open reports and auto-block it when they cross its threshold. */
import type { Deps } from '../deps.js';
import {
  findSiteAndNearDuplicates,
  lockImageClosingJobs,
  setScore,
  transitionImage,
  type ImageRow,
  type NearDuplicate,
} from '../db/images.repository.js';
import { appendEvent } from '../db/moderation-events.repository.js';
import { enqueueOutbox, wakeOutboxRelay } from '../db/outbox.repository.js';
import { enqueueStatusEvent } from '../webhooks/events.js';
import { withTransaction } from '../db/pool.js';
import { listOpenReports } from '../db/reports.repository.js';
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
    const score = scoreReports(reports);
    await setScore(client, imageId, score.score);
    // A moderator's restore of any copy stands for the picture: a re-upload does not reset it.
    const restored = pictureWasRestored({ restored: image.restoredAt !== null }, copies);
    const policy = reportPolicy(deps.config);
    const decision = decideAutoBlock({
      status: image.status,
      reports,
      restored,
      uploaderFactor: policy.uploaderFactor(image.uploaderId),
      policy: siteThresholdPolicy(policy.threshold, site?.thresholds ?? {}),
      brigade: policy.brigade,
      now: new Date(),
      flagged: image.suspectedBrigadeAt !== null,
    });
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
        uploaderFactor: policy.uploaderFactor(image.uploaderId),
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
