/** Use cases: a moderator's decision on one image (uphold, restore or remove), or on many at once. */
import { recordDecision } from '../metrics.js';
import type { Deps } from '../deps.js';
import { addImageToBank, MODERATORS_BANK, removeImageFromBank } from '../db/hash-banks.repository.js';
import {
  clearBrigadeFlag,
  listNearDuplicates,
  listVisibleByteCopies,
  lockImage,
  setScore,
  transitionImage,
} from '../db/images.repository.js';
import type { PoolClient } from '../db/pool.js';
import { blocklistSitesOf, discountOverturnedAutoBlocks } from '../db/sites.repository.js';
import { sitesShareBlocklist } from '../domain/sites.js';
import { appendEvent } from '../db/moderation-events.repository.js';
import { enqueueOutbox, wakeOutboxRelay } from '../db/outbox.repository.js';
import { enqueueStatusEvent } from '../webhooks/events.js';
import { withTransaction } from '../db/pool.js';
import { closeOpenReports, reverseUpheldReports } from '../db/reports.repository.js';
import { answerAppeal } from '../db/appeals.repository.js';
import { releaseClaim } from '../db/claims.repository.js';
import { appealOutcome } from '../domain/appeals.js';
import { planAutomatic } from '../domain/automatic-transitions.js';
import { planDecision, reversesUphold, type DecisionAction } from '../domain/decisions.js';
import type { ImageStatus } from '../domain/image-status.js';
import { PDQ_MIN_QUALITY } from '../domain/pdq.js';
import { AppError, notFound, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';

export interface DecisionInput {
  imageId: string;
  moderatorId: string;
  action: DecisionAction;
  note: string | null;
  /** The status the moderator saw; when given and no longer current, the decision is refused (409). */
  expectedStatus?: ImageStatus | undefined;
}

export interface DecisionResult {
  imageId: string;
  action: DecisionAction;
  fromStatus: ImageStatus;
  status: ImageStatus;
  /** Open reports closed by the decision (upheld or dismissed). */
  closedReports: number;
}

/**
 * Applies the decision in one transaction: locks the image, checks the transition table (domain/decisions.ts),
 * moves the status, closes the open reports as upheld or dismissed (which teaches reporter trust; restoring an
 * upheld block also turns the reports that uphold closed into dismissed ones), resets the
 * score, clears a brigade flag, and writes one audit event with the moderator id. `remove` also writes a `purge-image` outbox row so
 * the worker deletes the stored bytes; the record and the audit stay. Upholding a block also auto-blocks the
 * picture's visible near-duplicates. Upholding or removing puts the picture's PDQ hashes (and its crops') in
 * the moderators' hash bank, so later copies are auto-blocked at upload; restoring takes them out.
 * Two moderators deciding one image at once: the second waits for the first's lock, then gets 409.
 * @throws AppError 404 unknown image; 409 `status_changed` when expectedStatus is stale; 409 `invalid_transition`
 */
export async function decideImage(deps: Pick<Deps, 'pool' | 'config'>, input: DecisionInput): Promise<DecisionResult> {
  const result = await withTransaction(deps.pool, async (client) => {
    const image = await lockImage(client, input.imageId);
    if (!image) throw notFound('image');
    if (input.expectedStatus && image.status !== input.expectedStatus) {
      throw new AppError({
        code: 'status_changed',
        message: `the image is now ${image.status}, not ${input.expectedStatus}: it changed since you saw it (another moderator, or an automatic block)`,
        details: { status: image.status },
      });
    }
    const plan = planDecision(input.action, image.status);
    if (!plan) {
      throw new AppError({
        code: 'invalid_transition',
        message: `cannot ${input.action} an image that is ${image.status}`,
        details: { status: image.status },
      });
    }
    // A moderator's restore overturns the image's auto-blocks since its last restore: no part of its site's usual rate.
    if (input.action === 'restore')
      await discountOverturnedAutoBlocks(client, { imageId: image.id, siteId: image.siteId, since: image.restoredAt });
    await transitionImage(client, { id: image.id, from: [image.status], to: plan.to, restored: input.action === 'restore' });
    await enqueueStatusEvent(client, { imageId: image.id, from: image.status, to: plan.to });
    const closedReports = await closeOpenReports(client, { imageId: image.id, outcome: plan.reportOutcome, decidedBy: input.moderatorId });
    // Restoring an upheld block reverses the uphold: its reports were, in the end, wrong.
    const reversedReports = reversesUphold(input.action, image.status)
      ? await reverseUpheldReports(client, { imageId: image.id, since: image.statusChangedAt, decidedBy: input.moderatorId })
      : 0;
    await setScore(client, image.id, 0);
    await clearBrigadeFlag(client, image.id);
    await appendEvent(client, {
      imageId: image.id,
      actorId: input.moderatorId,
      action: input.action,
      fromStatus: image.status,
      toStatus: plan.to,
      reason: input.note ?? `${input.action} by a moderator`,
      details: { note: input.note, closedReports, reversedReports, reportOutcome: plan.reportOutcome, scoreBefore: image.score },
    });
    await releaseClaim(client, image.id);
    // The decision answers the uploader's open appeal, with the moderator's note as the response.
    await answerAppeal(client, {
      imageId: image.id,
      outcome: appealOutcome(input.action),
      decidedBy: input.moderatorId,
      response: input.note,
    });
    if (input.action === 'remove') await enqueueOutbox(client, { topic: 'purge-image', imageId: image.id });
    if (input.action === 'restore') await removeImageFromBank(client, { bankName: MODERATORS_BANK, imageId: image.id });
    else
      await addImageToBank(client, {
        bankName: MODERATORS_BANK,
        imageId: image.id,
        addedBy: input.moderatorId,
        minQuality: PDQ_MIN_QUALITY,
      });
    if (plan.to === 'blocked') await blockVisibleCopies(client, image.id, deps.config.PHASH_MATCH_DISTANCE);
    return { imageId: image.id, action: input.action, fromStatus: image.status, status: plan.to, closedReports };
  });
  // Also dispatches the decision's webhook deliveries (and, for a removal, the purge).
  wakeOutboxRelay(deps.pool);
  return recordDecision(result);
}

/**
 * A blocked picture must not stay up as a copy uploaded before the block: visible near-duplicates (perceptual
 * hash within `maxDistance` bits) and exact copies (same SHA-256) are auto-blocked for review, each with an
 * event naming the image and distance.
 * Copies uploaded later are caught when processed (images/process-image.ts).
 */
async function blockVisibleCopies(client: PoolClient, blockedId: string, maxDistance: number): Promise<void> {
  const visible = (await listNearDuplicates(client, blockedId, maxDistance)).filter((copy) => copy.status === 'visible');
  // A picture too plain to hash has no near-duplicates, but its exact copies are still copies.
  const byteIds = (await listVisibleByteCopies(client, blockedId)).filter((id) => !visible.some((copy) => copy.id === id));
  // Another site's copies are blocked only when both sites share the blocklist (domain/sites.ts).
  const sites = await blocklistSitesOf(client, [blockedId, ...visible.map((copy) => copy.id), ...byteIds]);
  const own = sites.get(blockedId)!;
  const shared = (id: string) => sitesShareBlocklist(own, sites.get(id) ?? own);
  const nearDuplicates = visible.filter((copy) => shared(copy.id));
  const byteCopies = byteIds.filter(shared).map((id) => ({ id, distance: 0 }));
  for (const copy of [...nearDuplicates, ...byteCopies]) {
    const to = planAutomatic('near_duplicate_block', 'visible')!;
    const previous = await transitionImage(client, { id: copy.id, from: ['visible'], to });
    if (previous === null) continue;
    await enqueueStatusEvent(client, { imageId: copy.id, from: previous, to });
    await appendEvent(client, {
      imageId: copy.id,
      actorId: null,
      action: 'near_duplicate_block',
      fromStatus: previous,
      toStatus: to,
      reason: `near-duplicate of blocked image ${blockedId}: PDQ hashes ${copy.distance} bits apart (limit ${maxDistance})`,
      details: { bank: MODERATORS_BANK, matchedImageId: blockedId, distance: copy.distance, maxDistance },
    });
  }
}

/** Most images one bulk decision may name. */
export const MAX_BULK_DECISION = 100;

/** One image's outcome in a bulk decision: its result, or the error that refused it. */
export type BulkDecisionResult =
  ({ ok: true } & DecisionResult) | { ok: false; imageId: string; error: { code: ErrorCode; message: string } };

/**
 * Applies one decision to each image in turn, each in its own transaction (decideImage): one image's refusal
 * (409 status_changed, say) is its own result and never undoes the others. Ids named twice are decided once.
 * @param input.imageIds 1 to MAX_BULK_DECISION ids
 * @returns one result per distinct id, in order
 */
export async function decideImages(
  deps: Pick<Deps, 'pool' | 'config'> & { logger: Logger },
  input: Omit<DecisionInput, 'imageId'> & { imageIds: readonly string[] },
): Promise<BulkDecisionResult[]> {
  const { imageIds, ...decision } = input;
  const results: BulkDecisionResult[] = [];
  for (const imageId of new Set(imageIds)) {
    try {
      results.push({ ok: true, ...(await decideImage(deps, { ...decision, imageId })) });
    } catch (error) {
      if (!(error instanceof AppError)) deps.logger.error({ err: error, imageId }, 'bulk decision failed');
      const known =
        error instanceof AppError ? error : new AppError({ code: 'internal_error', message: 'this image could not be decided' });
      results.push({ ok: false, imageId, error: { code: known.code, message: known.message } });
    }
  }
  return results;
}
