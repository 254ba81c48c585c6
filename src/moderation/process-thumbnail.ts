/**
 * Use case: make an uploaded image's derivatives and publish it: `processing` → `visible`, or
 * `auto_blocked` when it is a near-duplicate of a moderator-blocked image, or `failed`.
 */
import type { Deps } from '../deps.js';
import {
  findBlockedCopy,
  findImage,
  findNearestBlocked,
  lockImage,
  recordDerivatives,
  transitionImage,
  type ProcessedMedia,
} from '../db/images.repository.js';
import { appendEvent } from '../db/moderation-events.repository.js';
import { enqueueOutbox, markOutboxDone } from '../db/outbox.repository.js';
import { withTransaction, type PoolClient } from '../db/pool.js';
import type { ImageStatus } from '../domain/image-status.js';
import { isNearDuplicate } from '../domain/perceptual-hash.js';
import { makeDerivatives, type Derivatives } from '../media/derivatives.js';
import { intakeLimitsFrom, isProcessingTimeout, type IntakeLimits } from '../media/inspect.js';
import { StorageNotFoundError } from '../storage/storage.js';

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

/** What a thumbnail job did: the status the image ended in, or `missing` for an unknown id. */
export type ThumbnailOutcome = ImageStatus | 'missing';

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
export async function processThumbnail(deps: Pick<Deps, 'pool' | 'storage' | 'config'>, imageId: string): Promise<ThumbnailOutcome> {
  const image = await findImage(deps.pool, imageId);
  if (!image || image.status === 'removed' || image.status === 'failed') {
    await markOutboxDone(deps.pool, 'thumbnail', imageId);
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
    await markOutboxDone(client, 'thumbnail', imageId);
    // A moderator may have removed the image meanwhile: its purge already ran, so these files must go too.
    if ((await lockImage(client, imageId))?.status === 'removed') return 'removed';
    await recordDerivatives(client, imageId, media);
    // Reports on near-duplicates already in the system count toward this image: evaluate it once hashed.
    if (media.perceptualHash !== null) await enqueueOutbox(client, { topic: 'evaluate-reports', imageId });
    return publish(client, { imageId, sha256: image.sha256, perceptualHash: media.perceptualHash, maxDistance: deps.config.PHASH_MATCH_DISTANCE });
  });
  if (outcome === 'removed') {
    await Promise.all([media.displayKey, media.thumbnailKey, media.reviewKey].map((key) => deps.storage.delete(key)));
  }
  return outcome;
}

async function storeDerivatives(deps: Pick<Deps, 'storage'>, imageId: string, derivatives: Derivatives): Promise<ProcessedMedia> {
  const keys = {
    displayKey: `display/${imageId}.${derivatives.display.format}`,
    thumbnailKey: `thumbnails/${imageId}.webp`,
    reviewKey: `review/${imageId}.webp`,
  };
  await Promise.all([
    deps.storage.put(keys.displayKey, derivatives.display.bytes),
    deps.storage.put(keys.thumbnailKey, derivatives.thumbnail.bytes),
    deps.storage.put(keys.reviewKey, derivatives.review),
  ]);
  const { format, width, height, frames } = derivatives.source;
  return { format, width, height, frames, ...keys, displayMimeType: derivatives.display.mimeType, perceptualHash: derivatives.perceptualHash };
}

/**
 * Moves a processed image out of `processing`: to `auto_blocked` with a `near_duplicate_block` audit event
 * naming the blocked image and the distance when its hash is within `maxDistance` bits of a moderator-blocked
 * image's (or, without a hash, its bytes are a blocked image's), else to `visible`. An image another job
 * already moved keeps its status.
 */
async function publish(
  client: PoolClient,
  input: { imageId: string; sha256: string; perceptualHash: bigint | null; maxDistance: number },
): Promise<ThumbnailOutcome> {
  const nearest =
    input.perceptualHash === null ? await findBlockedCopy(client, input.sha256) : await findNearestBlocked(client, input.perceptualHash);
  const match = nearest && isNearDuplicate(nearest.distance, input.maxDistance) ? nearest : null;
  const to = match ? 'auto_blocked' : 'visible';
  const previous = await transitionImage(client, { id: input.imageId, from: ['processing'], to });
  if (previous === null) return (await findImage(client, input.imageId))?.status ?? 'missing';
  await appendEvent(client, {
    imageId: input.imageId,
    actorId: null,
    fromStatus: previous,
    toStatus: to,
    ...(match
      ? {
          action: 'near_duplicate_block',
          reason:
            input.perceptualHash === null
              ? `same bytes as blocked image ${match.id}`
              : `near-duplicate of blocked image ${match.id}: perceptual hashes ${match.distance} bits apart (limit ${input.maxDistance})`,
          details: { matchedImageId: match.id, distance: match.distance, maxDistance: input.maxDistance },
        }
      : { action: 'processed', reason: 'derivatives made' }),
  });
  return to;
}

async function markFailed(deps: Pick<Deps, 'pool'>, imageId: string, error: unknown): Promise<ThumbnailOutcome> {
  const prefix = isProcessingTimeout(error) ? 'processing_timeout' : 'cannot decode image';
  const reason = `${prefix}: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}`.slice(0, 500);
  return withTransaction(deps.pool, async (client) => {
    await markOutboxDone(client, 'thumbnail', imageId);
    const previous = await transitionImage(client, { id: imageId, from: ['processing'], to: 'failed', failureReason: reason });
    if (previous === null) return (await findImage(client, imageId))?.status ?? 'missing';
    await appendEvent(client, { imageId, actorId: null, action: 'processing_failed', fromStatus: previous, toStatus: 'failed', reason });
    return 'failed';
  });
}
