/** Use case: make an image's thumbnail and move it from `processing` to `visible` (or `failed`). */
import type { Deps } from '../deps.js';
import { findImage, recordDerivatives, transitionImage } from '../db/images.repository.js';
import { appendEvent } from '../db/moderation-events.repository.js';
import { withTransaction } from '../db/pool.js';
import type { ImageStatus } from '../domain/image-status.js';
import { makeDerivatives } from '../media/thumbnail.js';
import { StorageNotFoundError } from '../storage/storage.js';

/** What a thumbnail job did: the status the image ended in, or `missing` for an unknown id. */
export type ThumbnailOutcome = ImageStatus | 'missing';

/**
 * Reads the original, writes `thumbnails/<id>.webp`, records format and display size, and moves the image
 * `processing` → `visible` with an audit event. An original sharp cannot decode (or that is gone) moves the
 * image to `failed` with the reason: a permanent outcome, not an error. An image auto-blocked while it was
 * processing keeps its status and still gets its thumbnail. Safe to run twice.
 * @throws on storage or database errors, so the job is retried
 */
export async function processThumbnail(deps: Pick<Deps, 'pool' | 'storage' | 'config'>, imageId: string): Promise<ThumbnailOutcome> {
  const image = await findImage(deps.pool, imageId);
  if (!image) return 'missing';
  if (image.status === 'removed' || image.status === 'failed') return image.status;
  let original: Buffer;
  try {
    original = await deps.storage.get(image.storageKey);
  } catch (error) {
    if (error instanceof StorageNotFoundError) return markFailed(deps, imageId, error);
    throw error;
  }
  let derivatives;
  try {
    derivatives = await makeDerivatives(original, {
      maxInputPixels: deps.config.MAX_INPUT_PIXELS,
      timeoutMs: deps.config.JOB_TIMEOUT_MS,
    });
  } catch (error) {
    // Only sharp runs here: its errors depend on the bytes alone, so retrying cannot help.
    return markFailed(deps, imageId, error);
  }
  const thumbnailKey = `thumbnails/${imageId}.webp`;
  await deps.storage.put(thumbnailKey, derivatives.thumbnail.bytes);
  return withTransaction(deps.pool, async (client) => {
    await recordDerivatives(client, imageId, { ...derivatives.source, thumbnailKey });
    const previous = await transitionImage(client, { id: imageId, from: ['processing'], to: 'visible' });
    if (previous === null) return (await findImage(client, imageId))?.status ?? 'missing';
    await appendEvent(client, {
      imageId,
      actorId: null,
      action: 'processed',
      fromStatus: previous,
      toStatus: 'visible',
      reason: 'thumbnail made',
    });
    return 'visible';
  });
}

async function markFailed(deps: Pick<Deps, 'pool'>, imageId: string, error: unknown): Promise<ThumbnailOutcome> {
  const reason = `cannot decode image: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}`.slice(0, 500);
  return withTransaction(deps.pool, async (client) => {
    const previous = await transitionImage(client, { id: imageId, from: ['processing'], to: 'failed', failureReason: reason });
    if (previous === null) return (await findImage(client, imageId))?.status ?? 'missing';
    await appendEvent(client, { imageId, actorId: null, action: 'processing_failed', fromStatus: previous, toStatus: 'failed', reason });
    return 'failed';
  });
}
