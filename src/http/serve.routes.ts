/**
 * Routes that serve image bytes: GET /i/:id (the re-encoded display derivative) and GET /i/:id/thumb (its
 * thumbnail); what each answers is decided by the serve-image use case.
 */
import { Router, type Response } from 'express';
import type { Deps } from '../deps.js';
import { serveImage, type ServedImage, type ServedVariant } from '../images/serve-image.js';
import { imageIdParam } from './params.js';

function send(res: Response, served: ServedImage): void {
  res
    .status(served.notModified ? 304 : served.httpStatus)
    .set({
      // Set here, so express does not hash the bytes for a weak one of its own.
      ETag: served.etag,
      'Content-Type': served.contentType,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': served.maxAgeSeconds > 0 ? `public, max-age=${served.maxAgeSeconds}` : 'no-store',
    })
    .send(served.notModified ? undefined : served.bytes);
}

/** The router for /i/:id and /i/:id/thumb. */
export function serveRoutes(deps: Deps): Router {
  const router = Router();
  const route = (variant: ServedVariant) => async (req: Parameters<Parameters<Router['get']>[1]>[0], res: Response) =>
    send(res, await serveImage(deps, imageIdParam(req.params.id), variant, req.get('if-none-match')));
  router.get('/i/:id', route('display'));
  router.get('/i/:id/thumb', route('thumbnail'));
  return router;
}
