/**
 * Use case: make an uploaded image's derivatives and publish it: `processing` → `visible`, or
 * `auto_blocked` when it matches a hash bank whose action is auto_block (the moderators' bank holds the
 * pictures they upheld), or `failed`.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { addImageToBank, findBankMatches, MODERATORS_BANK, type BankMatch } from '../db/hash-banks.repository.js';
import { planAutomatic } from '../domain/automatic-transitions.js';
import { findBlockedCopy, findImage, lockImage, recordDerivatives, transitionImage, type ProcessedMedia } from '../db/images.repository.js';
import { appendEvent } from '../db/moderation-events.repository.js';
import { enqueueOutbox, markOutboxDone, wakeOutboxRelay } from '../db/outbox.repository.js';
import { enqueueStatusEvent } from '../webhooks/events.js';
import { withTransaction, type PoolClient } from '../db/pool.js';
import { insertReportOnce } from '../db/reports.repository.js';
import { decideUpload } from '../domain/hash-banks.js';
import type { ImageStatus } from '../domain/image-status.js';
import { PDQ_MIN_QUALITY } from '../domain/pdq.js';
import { queryHashesOf } from '../domain/pdq-matching.js';
import type { PdqHashes } from '../media/pdq.js';
import { makeDerivatives, type Derivatives } from '../media/derivatives.js';
import { intakeLimitsFrom, isProcessingTimeout, type IntakeLimits } from '../media/inspect.js';
import { displayKey, reviewKey, thumbnailKey } from '../storage/keys.js';
import { StorageNotFoundError } from '../storage/storage.js';
import { blocklistSitesOf } from '../db/sites.repository.js';
import { sitesShareBlocklist } from '../domain/sites.js';

/** A job that ran out of time is tried once more at once with this many times JOB_TIMEOUT_MS. */
export const TIMEOUT_RETRY_FACTOR = 3;

/**
 * Makes the derivatives within JOB_TIMEOUT_MS, and when that runs out, once more within TIMEOUT_RETRY_FACTOR
 * times as much (a loaded machine, a big but valid animation).
 * @throws what makeDerivatives throws; a second timeout as it is
 */
async function derivativesWithRetry(original: Buffer, limits: IntakeLimits): Promise<Derivatives> {
  try {
    return await makeDerivatives(original, limits);
  } catch (error) {
    if (!isProcessingTimeout(error)) throw error;
    return makeDerivatives(original, { ...limits, timeoutMs: limits.timeoutMs * TIMEOUT_RETRY_FACTOR });
  }
}

/** What a process-image job did: the status the image ended in, or `missing` for an unknown id. */
export type ProcessOutcome = ImageStatus | 'missing';

/**
 * Reads the original, checks it with the intake rules again, writes its derivatives (`display/<id>.<jpeg|webp>`,
 * `thumbnails/<id>.webp`, `review/<id>.webp`), records them with the perceptual hash, and publishes the image.
 * An original that fails the checks, cannot be decoded or is gone moves the image to `failed` with the
 * reason: a permanent outcome, not an error. One that runs out of time is tried again once with a larger
 * budget, then fails with a reason starting `processing_timeout:` (never `cannot decode image`). An image auto-blocked while it was processing keeps its status
 * and still gets its derivatives; so does a visible one (derivatives made again). An image removed while its
 * derivatives were made has them deleted again. Safe to run twice. Marks the job's outbox rows done.
 * @throws on storage or database errors, so the job is retried
 */
export async function processImage(deps: Pick<Deps, 'pool' | 'storage' | 'config'>, imageId: string): Promise<ProcessOutcome> {
  const image = await findImage(deps.pool, imageId);
  if (!image || image.status === 'removed' || image.status === 'failed') {
    await markOutboxDone(deps.pool, 'process-image', imageId);
    return image?.status ?? 'missing';
  }
  let original: Buffer;
  try {
    original = await deps.storage.get(image.storageKey);
  } catch (error) {
    if (error instanceof StorageNotFoundError) return markFailed(deps, imageId, error);
    throw error;
  }
  let derivatives: Derivatives;
  try {
    derivatives = await derivativesWithRetry(original, intakeLimitsFrom(deps.config));
  } catch (error) {
    // Only the intake checks and sharp run here: their errors depend on the bytes alone, so retrying cannot help.
    return markFailed(deps, imageId, error);
  }
  const media = await storeDerivatives(deps, imageId, derivatives);
  const outcome = await withTransaction(deps.pool, async (client) => {
    await markOutboxDone(client, 'process-image', imageId);
    // A moderator may have removed the image meanwhile: its purge already ran, so these files must go too.
    const status = (await lockImage(client, imageId))?.status;
    if (status === 'removed') return 'removed';
    await recordDerivatives(client, imageId, media);
    // A picture moderators upheld keeps its entries in their bank current (its hashes were made again).
    if (status === 'blocked')
      await addImageToBank(client, { bankName: MODERATORS_BANK, imageId, addedBy: null, minQuality: PDQ_MIN_QUALITY });
    // Reports on near-duplicates already in the system count toward this image: evaluate it once hashed.
    if (media.pdq.quality >= PDQ_MIN_QUALITY) await enqueueOutbox(client, { topic: 'evaluate-image', imageId });
    return publish(client, { imageId, sha256: image.sha256, pdq: media.pdq });
  });
  wakeOutboxRelay(deps.pool);
  if (outcome === 'removed') {
    await Promise.all([media.displayKey, media.thumbnailKey, media.reviewKey].map((key) => deps.storage.delete(key)));
  }
  return outcome;
}

async function storeDerivatives(deps: Pick<Deps, 'storage'>, imageId: string, derivatives: Derivatives): Promise<ProcessedMedia> {
  const keys = {
    displayKey: displayKey(imageId, derivatives.display.format),
    thumbnailKey: thumbnailKey(imageId),
    reviewKey: reviewKey(imageId),
  };
  await Promise.all([
    deps.storage.put(keys.displayKey, derivatives.display.bytes),
    deps.storage.put(keys.thumbnailKey, derivatives.thumbnail.bytes),
    deps.storage.put(keys.reviewKey, derivatives.review),
  ]);
  const { format, width, height, frames } = derivatives.source;
  return { format, width, height, frames, ...keys, displayMimeType: derivatives.display.mimeType, pdq: derivatives.pdq };
}

/**
 * The bank matches of a new upload (at most one per bank). A picture too plain to match on by PDQ (quality
 * below 50) matches only a moderator-blocked image with exactly its bytes, as distance 0 in their bank.
 */
async function bankMatches(client: PoolClient, input: { sha256: string; pdq: PdqHashes }): Promise<BankMatch[]> {
  if (input.pdq.quality >= PDQ_MIN_QUALITY) return findBankMatches(client, queryHashesOf(input.pdq));
  const copy = await findBlockedCopy(client, input.sha256);
  if (!copy) return [];
  const bank = await client.query<{ id: number; maxDistance: number }>(
    `SELECT id, max_distance AS "maxDistance" FROM hash_banks WHERE name = $1`,
    [MODERATORS_BANK],
  );
  const { id: bankId, maxDistance } = bank.rows[0]!;
  return [
    {
      bankId,
      bank: MODERATORS_BANK,
      action: 'auto_block',
      maxDistance,
      entryId: 'sha256',
      imageId: copy.id,
      entryKind: 'same bytes',
      queryKind: 'same bytes',
      distance: 0,
    },
  ];
}

/**
 * The matches that apply to this upload's site: a match on another site's blocked picture (the moderators'
 * bank) counts only when both sites share the blocklist (domain/sites.ts); imported banks apply everywhere.
 */
async function sharedMatches(client: PoolClient, imageId: string, matches: BankMatch[]): Promise<BankMatch[]> {
  const blockedIds = matches.flatMap((match) => (match.imageId ? [match.imageId] : []));
  if (blockedIds.length === 0) return matches;
  const sites = await blocklistSitesOf(client, [imageId, ...blockedIds]);
  const own = sites.get(imageId);
  return matches.filter((match) => {
    const theirs = match.imageId ? sites.get(match.imageId) : undefined;
    return !own || !theirs || sitesShareBlocklist(own, theirs);
  });
}

/** The audit details of a bank match: enough to answer an appeal (which bank, which entry, how close). */
function matchDetails(match: BankMatch) {
  return {
    bank: match.bank,
    bankEntryId: match.entryId,
    matchedImageId: match.imageId,
    distance: match.distance,
    maxDistance: match.maxDistance,
    entryKind: match.entryKind,
    queryKind: match.queryKind,
  };
}

/**
 * Moves a processed image out of `processing` as its bank matches decide (src/domain/hash-banks.ts): to
 * `auto_blocked` with a `near_duplicate_block` audit event naming the bank, the entry, the image it came from
 * and the distance; else to `visible` (a `review` match also files a zero-weight report from the bank, so the
 * image waits in the moderators' `reported` queue). Every match is in the event's details. An image another
 * job already moved keeps its status.
 */
async function publish(client: PoolClient, input: { imageId: string; sha256: string; pdq: PdqHashes }): Promise<ProcessOutcome> {
  const matches = await sharedMatches(client, input.imageId, await bankMatches(client, input));
  const decision = decideUpload(matches);
  // The audit action and the status it moves to come from one table (domain/automatic-transitions.ts).
  const to = planAutomatic(decision.outcome === 'auto_block' ? 'near_duplicate_block' : 'processed', 'processing')!;
  const previous = await transitionImage(client, { id: input.imageId, from: ['processing'], to });
  if (previous === null) return (await findImage(client, input.imageId))?.status ?? 'missing';
  await enqueueStatusEvent(client, { imageId: input.imageId, from: previous, to });
  const details = { rule: decision.rule, matches: matches.map(matchDetails) };
  if (decision.outcome === 'auto_block') {
    const match = decision.match;
    await appendEvent(client, {
      imageId: input.imageId,
      actorId: null,
      fromStatus: previous,
      toStatus: to,
      action: 'near_duplicate_block',
      reason:
        match.entryKind === 'same bytes'
          ? `same bytes as blocked image ${match.imageId}`
          : `matches ${match.imageId ? `blocked image ${match.imageId}` : `entry ${match.entryId}`} in hash bank "${match.bank}": PDQ hashes ${match.distance} bits apart (limit ${match.maxDistance})`,
      details: { ...details, ...matchDetails(match) },
    });
    return to;
  }
  await appendEvent(client, {
    imageId: input.imageId,
    actorId: null,
    fromStatus: previous,
    toStatus: to,
    action: 'processed',
    reason: decision.match ? `derivatives made; matches hash bank "${decision.match.bank}" (${decision.match.action})` : 'derivatives made',
    details,
  });
  if (decision.outcome === 'publish_for_review') {
    const match = decision.match;
    await insertReportOnce(client, {
      id: randomUUID(),
      imageId: input.imageId,
      reporterId: `hash-bank:${match.bank}`,
      reporterRole: 'reader',
      reason: 'other',
      note: `matches entry ${match.entryId} of hash bank "${match.bank}" (${match.distance} bits)`,
      weight: 0,
    });
  }
  return to;
}

/**
 * Why processing failed, as recorded on the image: `original_missing` (the stored original is gone),
 * `processing_timeout` (out of time; the bytes may be fine), or `cannot decode image` (the intake checks or
 * sharp refused the bytes), then the first line of the error, 500 characters at most.
 */
export function failureReason(error: unknown): string {
  const kind =
    error instanceof StorageNotFoundError ? 'original_missing' : isProcessingTimeout(error) ? 'processing_timeout' : 'cannot decode image';
  return `${kind}: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}`.slice(0, 500);
}

async function markFailed(deps: Pick<Deps, 'pool'>, imageId: string, error: unknown): Promise<ProcessOutcome> {
  const reason = failureReason(error);
  return withTransaction(deps.pool, async (client) => {
    await markOutboxDone(client, 'process-image', imageId);
    const to = planAutomatic('processing_failed', 'processing')!;
    const previous = await transitionImage(client, { id: imageId, from: ['processing'], to, failureReason: reason });
    if (previous === null) return (await findImage(client, imageId))?.status ?? 'missing';
    await appendEvent(client, { imageId, actorId: null, action: 'processing_failed', fromStatus: previous, toStatus: to, reason });
    return 'failed';
  });
}
