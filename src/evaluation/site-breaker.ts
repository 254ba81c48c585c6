/**
 * Use case steps: the per-site circuit breaker inside an evaluation (domain/site-breaker.ts decides). Called
 * in the evaluation's transaction, with the image row locked, only when an auto-block is about to happen.
 */
import type { Config } from '../config.js';
import type { ImageRow } from '../db/images.repository.js';
import { flagSuspectedBrigade } from '../db/images.repository.js';
import { appendEvent } from '../db/moderation-events.repository.js';
import { appendOperatorEvent } from '../db/operator-events.repository.js';
import type { Queryable } from '../db/pool.js';
import { countSiteAutoBlocks, lockSite, tripBreaker } from '../db/sites.repository.js';
import { decideBreaker, type BreakerDecision } from '../domain/site-breaker.js';

/** The breaker's decision, and for a trip whether this call recorded it (one operator event per trip). */
export type BreakerCheck = (BreakerDecision & { allow: true }) | (Extract<BreakerDecision, { allow: false }> & { tripped: boolean });

/**
 * May this site auto-block one more image now? Locks the site's row first, so concurrent evaluations of one
 * site count one after the other and exactly one of them trips the breaker (with one `site_breaker_tripped`
 * operator event).
 */
export async function checkSiteBreaker(
  db: Queryable,
  config: Pick<Config, 'SITE_BREAKER_FLOOR' | 'SITE_BREAKER_FACTOR' | 'SITE_BREAKER_COOLDOWN_MS'>,
  siteId: string,
): Promise<BreakerCheck> {
  const site = await lockSite(db, siteId);
  if (!site) return { allow: true, limit: Infinity };
  const counts = await countSiteAutoBlocks(db, { siteId, since: site.breakerResetAt });
  const now = new Date();
  const settings = { floor: config.SITE_BREAKER_FLOOR, factor: config.SITE_BREAKER_FACTOR, coolDownMs: config.SITE_BREAKER_COOLDOWN_MS };
  const decision = decideBreaker(settings, {
    autoBlocksLastHour: counts.lastHour,
    autoBlocksTrailing: counts.trailing,
    trippedAt: site.breakerTrippedAt,
    resetAt: site.breakerResetAt,
    now,
  });
  if (decision.allow) return decision;
  if (decision.rule === 'open') return { ...decision, tripped: false };
  const tripped = await tripBreaker(db, { id: siteId, openSince: new Date(now.getTime() - settings.coolDownMs) });
  if (tripped) {
    await appendOperatorEvent(db, {
      actorId: null,
      action: 'site_breaker_tripped',
      target: siteId,
      details: {
        limit: decision.limit,
        autoBlocksLastHour: decision.autoBlocksLastHour,
        usualPerHour: decision.usualPerHour,
        until: decision.until,
      },
    });
  }
  return { ...decision, tripped };
}

/**
 * Holds an auto-block the breaker refused: the image stays visible, flagged for a moderator in the `reported`
 * queue, with one `site_breaker_held` audit event (status unchanged) the first time.
 * @returns true when this call held it (wrote the event)
 */
export async function holdForBreaker(
  db: Queryable,
  input: { image: ImageRow; breaker: Extract<BreakerCheck, { allow: false }>; reason: string; score: number },
): Promise<boolean> {
  const { image, breaker } = input;
  await flagSuspectedBrigade(db, { id: image.id, heldBack: true });
  const already = await db.query(
    `SELECT 1 FROM moderation_events WHERE image_id = $1 AND action = 'site_breaker_held' AND created_at >= $2`,
    [image.id, image.statusChangedAt],
  );
  if ((already.rowCount ?? 0) > 0) return false;
  await appendEvent(db, {
    imageId: image.id,
    actorId: null,
    action: 'site_breaker_held',
    fromStatus: image.status,
    toStatus: image.status,
    reason:
      `site ${image.siteId}'s circuit breaker is open (too many auto-blocks this hour, until ${breaker.until.toISOString()}): ` +
      `the auto-block was held for review; it would have been: ${input.reason}`,
    details: { siteId: image.siteId, score: input.score, ...breaker },
  });
  return true;
}
