/**
 * Routes for looking at one image under review: GET /v1/moderation/images/:id (record, reports, reporters,
 * history, appeal, claim), /preview (the blurred review image) and /original (the uploaded bytes, on request).
 */
import { Router, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { getOriginal, getReviewDetail, getReviewPreview } from '../../moderation/review-image.js';
import { imageLinks } from '../images.routes.js';
import { currentUser } from '../middleware/auth.js';
import { imageIdParam } from '../params.js';
import { reviewLinks } from './parse.js';

/** Bytes for moderators only: never cached by a shared cache, never sniffed. */
function sendPrivate(res: Response, bytes: Buffer, contentType: string): void {
  res.set({ 'Content-Type': contentType, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, no-store' }).send(bytes);
}

/** The review routes (behind the moderator guard). */
export function reviewRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/v1/moderation/images/:id', async (req, res) => {
    const detail = await getReviewDetail(deps, imageIdParam(req.params.id), currentUser(req).id);
    res.json({
      image: {
        ...detail.image,
        openReports: detail.score.reports,
        openScore: detail.score.score,
        byReason: detail.score.byReason,
        ...imageLinks(detail.image.id),
      },
      reports: detail.reports,
      reporters: detail.reporters,
      history: detail.history.map((event) => ({ ...event, actor: event.actorId ?? 'system' })),
      appeal: detail.appeal,
      allowedActions: detail.allowedActions,
      claim: detail.claim,
      uploader: detail.uploader,
      links: reviewLinks(detail.image.id),
    });
  });
  router.get('/v1/moderation/images/:id/preview', async (req, res) => {
    sendPrivate(res, await getReviewPreview(deps, imageIdParam(req.params.id)), 'image/webp');
  });
  router.get('/v1/moderation/images/:id/original', async (req, res) => {
    const original = await getOriginal(deps, imageIdParam(req.params.id));
    sendPrivate(res, original.bytes, original.mimeType);
  });
  return router;
}
