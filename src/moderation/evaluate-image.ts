/** Use case: recount an image's open reports and auto-block it when they cross its threshold. */
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { listNearDuplicates, lockImage, setScore, transitionImage, type ImageRow, type NearDuplicate } from '../db/images.repository.js';
import { DEMO_UPLOADER } from '../demo/demo-site.js';
import { appendEvent } from '../db/moderation-events.repository.js';
import { enqueueOutbox, markOutboxDone } from '../db/outbox.repository.js';
import { withTransaction } from '../db/pool.js';
import { listOpenReports } from '../db/reports.repository.js';
import { AUTO_BLOCKABLE_STATUSES, type ImageStatus } from '../domain/image-status.js';
import { scoreReports, type Score } from '../domain/reports.js';
import { guardAgainstBrigade, type BlockDecision, type BrigadePolicy, type ThresholdPolicy } from '../domain/threshold.js';
import { recordSuspectedBrigade } from './flag-brigade.js';

export interface Evaluation extends Score {
  /** Status after evaluation; null for an unknown image. */
  status: ImageStatus | null;
  /** True when this call auto-blocked the image. */
  blocked: boolean;
  decision: BlockDecision;
}

/** The threshold policy the configuration sets. */
export function thresholdPolicy(config: Config): ThresholdPolicy {
  return {
    threshold: config.AUTO_BLOCK_THRESHOLD,
    reasonThresholds: config.REASON_THRESHOLDS,
    restoredFactor: config.RESTORED_THRESHOLD_FACTOR,
  };
}

/** The brigade guard's settings from the configuration. */
export function brigadePolicy(config: Config): BrigadePolicy {
  return { minReports: config.BRIGADE_MIN_REPORTS, windowMs: config.BRIGADE_WINDOW };
}

function describe(decision: BlockDecision & { block: true }): string {
  switch (decision.rule) {
    case 'moderator_report':
      return 'reported by a moderator';
    case 'total_score':
      return `score ${decision.score} reached the auto-block threshold ${decision.threshold}`;
    case 'reason_score':
      return `score ${decision.score} for "${decision.reason}" reached its threshold ${decision.threshold}`;
  }
}

/**
 * The near-duplicates whose reports count toward `image`: the demo's photos (whose readers anyone can
 * impersonate from /demo) and real uploads never count toward each other, so the demo is a sandbox both ways.
 */
function countedCopies(image: ImageRow, copies: NearDuplicate[]): NearDuplicate[] {
  const isDemo = image.uploaderId === DEMO_UPLOADER;
  return copies.filter((copy) => (copy.uploaderId === DEMO_UPLOADER) === isDemo);
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
  return withTransaction(deps.pool, async (client) => {
    // Before the recount: every request committed so far is answered by it (see markOutboxDone).
    await markOutboxDone(client, 'evaluate-reports', imageId);
    const image = await lockImage(client, imageId);
    if (!image) return { ...scoreReports([]), status: null, blocked: false, decision: { block: false } };
    const copies = countedCopies(image, await listNearDuplicates(client, imageId, deps.config.PHASH_MATCH_DISTANCE));
    const nearDuplicateIds = copies.map((copy) => copy.id);
    const reports = await listOpenReports(client, imageId, nearDuplicateIds);
    const score = scoreReports(reports);
    await setScore(client, imageId, score.score);
    // A moderator's restore of any copy stands for the picture: a re-upload does not reset it.
    const restored = image.restoredAt !== null || copies.some((copy) => copy.restored);
    const decision = guardAgainstBrigade({
      status: image.status,
      reports,
      restored,
      policy: thresholdPolicy(deps.config),
      brigade: brigadePolicy(deps.config),
      now: new Date(),
      flagged: image.suspectedBrigadeAt !== null,
    });
    const unchanged = { ...score, status: image.status, blocked: false, decision };
    if (!decision.block && 'rule' in decision) await recordSuspectedBrigade(client, { imageId, status: image.status, evidence: decision });
    if (!decision.block) return unchanged;
    const previous = await transitionImage(client, { id: imageId, from: AUTO_BLOCKABLE_STATUSES, to: 'auto_blocked' });
    if (previous === null) return unchanged;
    await appendEvent(client, {
      imageId,
      actorId: null,
      action: 'auto_block',
      fromStatus: previous,
      toStatus: 'auto_blocked',
      reason: describe(decision),
      details: {
        ...decision,
        score: score.score,
        reports: score.reports,
        byReason: score.byReason,
        restored,
        nearDuplicateIds,
      },
    });
    for (const id of nearDuplicateIds) await enqueueOutbox(client, { topic: 'evaluate-reports', imageId: id });
    return { ...score, status: 'auto_blocked', blocked: true, decision };
  });
}
