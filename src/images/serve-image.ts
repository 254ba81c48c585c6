/**
 * Use case: what `/i/:id` and `/i/:id/thumb` answer. Only a `visible` image's re-encoded derivatives are ever
 * served (never the uploaded bytes); a blocked or removed image answers 410 with the neutral placeholder.
 */
import type { Deps } from '../deps.js';
import { findServingRecord, type ServingRecord } from '../db/images.repository.js';
import { isBlocked, isServable } from '../domain/image-status.js';
import { AppError, notFound } from '../errors.js';
import { blockedPlaceholder } from './blocked-placeholder.js';

/** Which derivative a request asks for. */
export type ServedVariant = 'display' | 'thumbnail';

/** Bytes to send, with their HTTP status and whether a shared cache may keep them (seconds, 0 for never). */
export interface ServedImage {
  httpStatus: 200 | 410;
  /** Empty when the client's If-None-Match already names this version (`notModified`). */
  bytes: Buffer;
  contentType: string;
  /** A strong validator of these bytes: it changes whenever the derivatives are made again. */
  etag: string;
  /** True when the client already holds these bytes: answer 304 without them (they were not read). */
  notModified: boolean;
  /** 10 s for a served image (a block must take effect within seconds, also in caches), 0 for the placeholder. */
  maxAgeSeconds: number;
}

/** Short: a block must take effect within seconds, also in shared caches. */
const SERVED_MAX_AGE_SECONDS = 10;

/** The stored key and type of the derivative asked for, or null while it has not been made. */
function derivativeOf(image: ServingRecord, variant: ServedVariant): { key: string; contentType: string } | null {
  if (variant === 'thumbnail') return image.thumbnailKey ? { key: image.thumbnailKey, contentType: 'image/webp' } : null;
  return image.displayKey && image.displayMimeType ? { key: image.displayKey, contentType: image.displayMimeType } : null;
}

/** The ETag of the placeholder; its bytes never change within a release. */
const PLACEHOLDER_ETAG = '"blocked-placeholder-1"';

/** True when an If-None-Match header names `etag` (or is `*`). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * The bytes to answer for an image and variant. A visible image's derivative carries a strong ETag from the
 * image id, the variant and the time the image row last changed (derivatives are only ever rewritten with the
 * row); a request whose If-None-Match names it gets `notModified` without the file being read. The row's serving
 * fields, and the derivative's bytes, come from the serving cache (images/serving-cache.ts) when it holds them.
 * @param ifNoneMatch the request's If-None-Match header, if any
 * @throws AppError 404 `not_found` (unknown id), 404 `image_unavailable` (processing failed), 503
 *   `image_processing` (derivatives not made yet, or being made again after an upgrade; Retry-After 1 s)
 */
export async function serveImage(
  deps: Pick<Deps, 'pool' | 'storage' | 'servingCache'>,
  imageId: string,
  variant: ServedVariant,
  ifNoneMatch?: string,
): Promise<ServedImage> {
  let image = deps.servingCache.get(imageId);
  if (image === undefined) {
    const stamp = deps.servingCache.stamp();
    image = await findServingRecord(deps.pool, imageId);
    deps.servingCache.set(imageId, image, stamp);
  }
  if (!image) throw notFound('image');
  const derivative = isServable(image.status) ? derivativeOf(image, variant) : null;
  if (derivative) {
    const etag = `"${image.id}-${variant}-${image.updatedAt.getTime().toString(36)}"`;
    const served = { httpStatus: 200 as const, contentType: derivative.contentType, maxAgeSeconds: SERVED_MAX_AGE_SECONDS, etag };
    if (matches(ifNoneMatch, etag)) return { ...served, bytes: Buffer.alloc(0), notModified: true };
    let bytes = deps.servingCache.bytes(image, variant);
    if (!bytes) {
      bytes = await deps.storage.get(derivative.key);
      deps.servingCache.keepBytes(image, variant, bytes);
    }
    return { ...served, bytes, notModified: false };
  }
  if (isBlocked(image.status)) {
    return {
      httpStatus: 410,
      bytes: await blockedPlaceholder(deps),
      contentType: 'image/webp',
      maxAgeSeconds: 0,
      etag: PLACEHOLDER_ETAG,
      notModified: false,
    };
  }
  if (image.status === 'failed') {
    throw new AppError({ code: 'image_unavailable', message: 'the image could not be processed' });
  }
  throw new AppError({ code: 'image_processing', message: 'the image is still being processed', retryAfterSeconds: 1 });
}
