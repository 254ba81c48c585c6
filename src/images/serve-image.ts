/**
 * Use case: what `/i/:id` and `/i/:id/thumb` answer. Only a `visible` image's re-encoded derivatives are ever
 * served (never the uploaded bytes); a blocked or removed image answers 410 with the neutral placeholder.
 */
import type { Deps } from '../deps.js';
import { findImage, type ImageRow } from '../db/images.repository.js';
import { isBlocked, isServable } from '../domain/image-status.js';
import { AppError, notFound } from '../errors.js';
import { blockedPlaceholder } from './blocked-placeholder.js';

/** Which derivative a request asks for. */
export type ServedVariant = 'display' | 'thumbnail';

/** Bytes to send, with their HTTP status and whether a shared cache may keep them (seconds, 0 for never). */
export interface ServedImage {
  httpStatus: 200 | 410;
  bytes: Buffer;
  contentType: string;
  /** 10 s for a served image (a block must take effect within seconds, also in caches), 0 for the placeholder. */
  maxAgeSeconds: number;
}

/** Short: a block must take effect within seconds, also in shared caches. */
const SERVED_MAX_AGE_SECONDS = 10;

/** The stored key and type of the derivative asked for, or null while it has not been made. */
function derivativeOf(image: ImageRow, variant: ServedVariant): { key: string; contentType: string } | null {
  if (variant === 'thumbnail') return image.thumbnailKey ? { key: image.thumbnailKey, contentType: 'image/webp' } : null;
  return image.displayKey && image.displayMimeType ? { key: image.displayKey, contentType: image.displayMimeType } : null;
}

/**
 * The bytes to answer for an image and variant.
 * @throws AppError 404 `not_found` (unknown id), 404 `image_unavailable` (processing failed), 503
 *   `image_processing` (derivatives not made yet, or being made again after an upgrade; Retry-After 1 s)
 */
export async function serveImage(deps: Pick<Deps, 'pool' | 'storage'>, imageId: string, variant: ServedVariant): Promise<ServedImage> {
  const image = await findImage(deps.pool, imageId);
  if (!image) throw notFound('image');
  const derivative = isServable(image.status) ? derivativeOf(image, variant) : null;
  if (derivative) {
    return { httpStatus: 200, bytes: await deps.storage.get(derivative.key), contentType: derivative.contentType, maxAgeSeconds: SERVED_MAX_AGE_SECONDS };
  }
  if (isBlocked(image.status)) {
    return { httpStatus: 410, bytes: await blockedPlaceholder(deps), contentType: 'image/webp', maxAgeSeconds: 0 };
  }
  if (image.status === 'failed') {
    throw new AppError({ code: 'image_unavailable', message: 'the image could not be processed' });
  }
  throw new AppError({ code: 'image_processing', message: 'the image is still being processed', retryAfterSeconds: 1 });
}
