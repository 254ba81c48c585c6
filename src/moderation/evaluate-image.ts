/** Use case: recount an image's open reports and auto-block it when the score reaches the threshold. */
import type { Deps } from '../deps.js';
import { listNearDuplicateIds, lockImage, transitionImage } from '../db/images.repository.js';
import { appendEvent } from '../db/moderation-events.repository.js';
import { enqueueOutbox } from '../db/outbox.repository.js';
import { withTransaction } from '../db/pool.js';
import { listOpenReports } from '../db/reports.repository.js';
import { AUTO_BLOCKABLE_STATUSES, type ImageStatus } from '../domain/image-status.js';
import { scoreReports, shouldAutoBlock, type Score } from '../domain/reports.js';

export interface Evaluation extends Score {
  /** Status after evaluation; null for an unknown image. */
  status: ImageStatus | null;
  threshold: number;
  /** True when this call auto-blocked the image. */
  blocked: boolean;
}

/**
 * Recounts from PostgreSQL (never from a counter held only in Redis) and, when the threshold is reached,
 * moves the image to `auto_blocked` with a guarded UPDATE and one audit event, in one transaction.
 * The image row is locked first, so concurrent evaluations of one image run one after the other and
 * exactly one of them blocks it. Safe to run any number of times.
 * Open reports on the image's near-duplicates (perceptual hash within PHASH_MATCH_DISTANCE) count too, one
 * per reader; when the image is blocked, its near-duplicates are evaluated again, since they share the score.
 */
export async function evaluateImage(deps: Pick<Deps, 'pool' | 'config'>, imageId: string): Promise<Evaluation> {
  const threshold = deps.config.AUTO_BLOCK_THRESHOLD;
  return withTransaction(deps.pool, async (client) => {
    const image = await lockImage(client, imageId);
    const nearDuplicateIds = await listNearDuplicateIds(client, imageId, deps.config.PHASH_MATCH_DISTANCE);
    const score = scoreReports(await listOpenReports(client, imageId, nearDuplicateIds));
    const unchanged = { ...score, status: image?.status ?? null, threshold, blocked: false };
    if (!image || !shouldAutoBlock({ status: image.status, score: score.score, threshold })) return unchanged;
    const previous = await transitionImage(client, { id: imageId, from: AUTO_BLOCKABLE_STATUSES, to: 'auto_blocked' });
    if (previous === null) return unchanged;
    await appendEvent(client, {
      imageId,
      actorId: null,
      action: 'auto_block',
      fromStatus: previous,
      toStatus: 'auto_blocked',
      reason: `score ${score.score} reached the auto-block threshold ${threshold}`,
      details: { score: score.score, threshold, reports: score.reports, byReason: score.byReason, nearDuplicateIds },
    });
    for (const id of nearDuplicateIds) await enqueueOutbox(client, { topic: 'evaluate-reports', imageId: id });
    return { ...score, status: 'auto_blocked', threshold, blocked: true };
  });
}
