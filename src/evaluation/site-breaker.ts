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
import { bumpSiteAutoBlocks, readSiteAutoBlocks, tripBreaker, type SiteAutoBlocks, type SiteRow } from '../db/sites.repository.js';
import { decideBreaker, type BreakerDecision } from '../domain/site-breaker.js';

/** The breaker's decision, and for a trip whether this call recorded it (one operator event per trip). */
export type BreakerCheck = (BreakerDecision & { allow: true }) | (Extract<BreakerDecision, { allow: false }> & { tripped: boolean });

type BreakerConfig = Pick<Config, 'SITE_BREAKER_FLOOR' | 'SITE_BREAKER_COOLDOWN_MS' | 'SITE_BREAKER_FACTOR'>;
type BreakerSite = Pick<SiteRow, 'id' | 'breakerTrippedAt' | 'breakerResetAt'>;

function settingsOf(config: BreakerConfig) {
  return { floor: config.SITE_BREAKER_FLOOR, factor: config.SITE_BREAKER_FACTOR, coolDownMs: config.SITE_BREAKER_COOLDOWN_MS };
}

/**
 * Thrown by confirmSiteBreaker when concurrent auto-blocks of the site took the room this one was counted on: the
 * evaluation rolls back and runs again, and then sees them.
 */
export class BreakerRaced extends Error {
  constructor(siteId: string) {
    super(`site ${siteId}: concurrent auto-blocks reached the breaker's limit first`);
    this.name = 'BreakerRaced';
  }
}

/**
 * May this site auto-block one more image now? Decided on the site's committed counts (readSiteAutoBlocks),
 * without locking anything: a block it allows is confirmed by confirmSiteBreaker as the evaluation's last
 * statement. A block that would go over the limit trips the breaker; exactly one evaluation records the trip (one
 * `site_breaker_tripped` operator event).
 * @param site the site's row as read in this transaction (breaker state), or null for a site that is gone
 * @param readCounts reads the site's committed counts (readSiteAutoBlocks); a batch of evaluations passes one that
 *   reads each site once, which changes nothing: its own blocks are counted only by its confirmSiteBreaker, last
 */
export async function checkSiteBreaker(
  db: Queryable,
  config: BreakerConfig,
  site: BreakerSite | null,
  readCounts: (siteId: string) => Promise<SiteAutoBlocks> = (siteId) => readSiteAutoBlocks(db, siteId),
): Promise<BreakerCheck> {
  if (!site) return { allow: true, limit: Infinity };
  const now = new Date();
  const settings = settingsOf(config);
  const state = { trippedAt: site.breakerTrippedAt, resetAt: site.breakerResetAt, now };
  // While open, held without reading the counts.
  const open = decideBreaker(settings, { ...state, autoBlocksLastHour: 0, autoBlocksTrailing: 0 });
  if (!open.allow && open.rule === 'open') return { ...open, tripped: false };
  const counts = await readCounts(site.id);
  const decision = decideBreaker(settings, { ...state, autoBlocksLastHour: counts.lastHour, autoBlocksTrailing: counts.trailing });
  if (decision.allow || decision.rule === 'open') return decision.allow ? decision : { ...decision, tripped: false };
  const tripped = await tripBreaker(db, { id: site.id, openSince: new Date(now.getTime() - settings.coolDownMs) });
  if (tripped) {
    await appendOperatorEvent(db, {
      actorId: null,
      action: 'site_breaker_tripped',
      target: site.id,
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
 * Counts the auto-blocks checkSiteBreaker allowed (`blocks` of them, one transaction's) in the site's counts of the
 * minute (bumpSiteAutoBlocks). Call it as the evaluation's last statement: the minute's row stays locked until the
 * commit, so a site's auto-blocks are counted one after the other while holding it only for that moment, and each
 * sees every one committed before.
 * @throws BreakerRaced when, counted exactly, the last of them goes over the limit after all (roll back, evaluate
 *   again)
 */
export async function confirmSiteBreaker(db: Queryable, config: BreakerConfig, site: BreakerSite | null, blocks = 1): Promise<void> {
  if (!site) return;
  const counts = await bumpSiteAutoBlocks(db, site.id, blocks);
  const decision = decideBreaker(settingsOf(config), {
    trippedAt: site.breakerTrippedAt,
    resetAt: site.breakerResetAt,
    now: new Date(),
    autoBlocksLastHour: counts.lastHour,
    autoBlocksTrailing: counts.trailing,
  });
  if (!decision.allow) throw new BreakerRaced(site.id);
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
