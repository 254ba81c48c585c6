/** Use case: auto-blocks nobody reviewed within REVIEW_DEADLINE become overdue, once each (and, if chosen, visible again). */
import type { Deps } from '../deps.js';
import { markOverdueReviews, transitionImage } from '../db/images.repository.js';
import { appendEvent } from '../db/moderation-events.repository.js';
import { withTransaction } from '../db/pool.js';
import { enqueueStatusEvent } from '../webhooks/events.js';
import { planAutomatic } from '../domain/automatic-transitions.js';

/** Images handled per sweep; the next sweep takes the rest. */
const SWEEP_LIMIT = 200;

/**
 * Marks overdue auto-blocks and writes one `review_overdue` audit event each (status unchanged; the image sorts
 * into the `overdue` queue). With OVERDUE_ACTION=restore it also returns each to `visible` with an
 * `overdue_restore` event: the block was provisional and nobody confirmed it; like a moderator's restore it doubles
 * the picture's thresholds, so the reports that blocked it do not block it again at once. Safe to run from several workers.
 * @returns how many images became overdue
 */
export async function sweepOverdueReviews(deps: Pick<Deps, 'pool' | 'config'>): Promise<number> {
  return withTransaction(deps.pool, async (client) => {
    const overdue = await markOverdueReviews(client, { deadlineMs: deps.config.REVIEW_DEADLINE_MS, limit: SWEEP_LIMIT });
    const hours = Math.round((deps.config.REVIEW_DEADLINE_MS / 3_600_000) * 10) / 10;
    for (const image of overdue) {
      const dueAt = new Date(image.blockedAt.getTime() + deps.config.REVIEW_DEADLINE_MS);
      await appendEvent(client, {
        imageId: image.id,
        actorId: null,
        action: 'review_overdue',
        fromStatus: 'auto_blocked',
        toStatus: planAutomatic('review_overdue', 'auto_blocked')!,
        reason: `auto-blocked ${hours} h ago and not reviewed yet (REVIEW_DEADLINE)`,
        details: { blockedAt: image.blockedAt, dueAt },
      });
      if (deps.config.OVERDUE_ACTION !== 'restore') continue;
      const to = planAutomatic('overdue_restore', 'auto_blocked')!;
      // Served again as a restore would: its thresholds double, so the same open reports do not block it again at once.
      if ((await transitionImage(client, { id: image.id, from: ['auto_blocked'], to, restored: true })) === null) continue;
      await enqueueStatusEvent(client, { imageId: image.id, from: 'auto_blocked', to });
      await appendEvent(client, {
        imageId: image.id,
        actorId: null,
        action: 'overdue_restore',
        fromStatus: 'auto_blocked',
        toStatus: to,
        reason: `served again: nobody reviewed the automatic block within ${hours} h (OVERDUE_ACTION=restore); its reports stay open and its threshold doubles, as after a restore`,
        details: { dueAt },
      });
    }
    return overdue.length;
  });
}
