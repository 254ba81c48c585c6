/**
 * Routes that serve image bytes: GET /i/:id (the re-encoded display derivative, never the uploaded bytes),
 * GET /i/:id/thumb (its thumbnail).
 * Only a `visible` image is served to the public; a blocked or removed one answers 410 with a placeholder.
 */
import { Router, type Response } from 'express';
import type { Deps } from '../deps.js';
import { findImage, type ImageRow } from '../db/images.repository.js';
import { isBlocked, isServable } from '../domain/image-status.js';
import { AppError, notFound } from '../errors.js';
import { blockedPlaceholder } from '../moderation/blocked-placeholder.js';
import { imageIdParam } from './params.js';

/** Short: a block must take effect within seconds, also in shared caches. */
const SERVED_CACHE_CONTROL = 'public, max-age=10';

function sendBytes(res: Response, bytes: Buffer, contentType: string, cacheControl = SERVED_CACHE_CONTROL): void {
  res.set({
    'Content-Type': contentType,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': cacheControl,
  });
  res.send(bytes);
}

/** 503 + Retry-After for an image whose derivatives are still being made. */
function stillProcessing(res: Response): AppError {
  res.set('Retry-After', '1');
  return new AppError({ code: 'image_processing', httpStatus: 503, message: 'the image is still being processed' });
}

/**
 * Answers for an image that is not servable: 410 + placeholder when blocked, 503 + Retry-After while
 * processing (or visible while its derivatives are made again, as after migration 002), 404 when it failed.
 */
async function refuse(deps: Pick<Deps, 'storage'>, res: Response, image: ImageRow): Promise<void> {
  if (isBlocked(image.status)) {
    sendBytes(res.status(410), await blockedPlaceholder(deps), 'image/webp', 'no-store');
    return;
  }
  if (image.status === 'failed') {
    throw new AppError({ code: 'image_unavailable', httpStatus: 404, message: 'the image could not be processed' });
  }
  throw stillProcessing(res);
}

/** The router for /i/:id and /i/:id/thumb. */
export function serveRoutes(deps: Deps): Router {
  const router = Router();

  router.get('/i/:id', async (req, res) => {
    const image = await findImage(deps.pool, imageIdParam(req.params.id));
    if (!image) throw notFound('image');
    if (!isServable(image.status) || !image.displayKey || !image.displayMimeType) return refuse(deps, res, image);
    sendBytes(res, await deps.storage.get(image.displayKey), image.displayMimeType);
  });

  router.get('/i/:id/thumb', async (req, res) => {
    const image = await findImage(deps.pool, imageIdParam(req.params.id));
    if (!image) throw notFound('image');
    if (!isServable(image.status) || !image.thumbnailKey) return refuse(deps, res, image);
    sendBytes(res, await deps.storage.get(image.thumbnailKey), 'image/webp');
  });

  return router;
}
