/** Routes for uploaders: why their image is hidden (GET /v1/images/:id/moderation) and their one appeal (POST …/appeal). */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { MAX_APPEAL_LENGTH } from '../domain/appeals.js';
import { badRequest } from '../errors.js';
import { appealImage, getModerationView } from '../moderation/appeals.js';
import { authenticate, currentUser } from './middleware/auth.js';
import { imageIdParam, textField } from './params.js';

export const appealBody = z.strictObject({ message: textField(MAX_APPEAL_LENGTH).pipe(z.string().trim().min(1)) });

/** The router for an uploader's view of their image's moderation and their appeal (first-party tokens). */
export function appealsRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/v1/images/:id/moderation', authenticate(deps), async (req, res) => {
    const view = await getModerationView(deps, { imageId: imageIdParam(req.params.id), user: currentUser(req) });
    res.set('Cache-Control', 'private, no-store').json(view);
  });
  router.post('/v1/images/:id/appeal', authenticate(deps), async (req, res) => {
    const imageId = imageIdParam(req.params.id);
    const body = appealBody.safeParse(req.body ?? {});
    if (!body.success)
      throw badRequest(`an appeal is { "message": 1 to ${MAX_APPEAL_LENGTH} characters }`, { maxLength: MAX_APPEAL_LENGTH });
    const appeal = await appealImage(deps, { imageId, user: currentUser(req), message: body.data.message });
    res.status(201).set('Cache-Control', 'no-store').json({ imageId, message: appeal.message, createdAt: appeal.createdAt });
  });
  return router;
}
