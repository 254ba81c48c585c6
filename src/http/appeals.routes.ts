/**
 * Routes for uploaders: why their image is hidden (GET /v1/images/:id/moderation) and their one appeal (POST
 * …/appeal), for the uploader's first-party token or a key of the image's site.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Request } from 'express';
import type { Deps } from '../deps.js';
import { MAX_APPEAL_LENGTH } from '../domain/appeals.js';
import { badRequest } from '../errors.js';
import { appealImage, getModerationView, userAsker, type Asker } from '../moderation/appeals.js';
import { currentUser } from './middleware/auth.js';
import type { ReaderAuth } from './middleware/readers.js';
import { authenticateSiteOrUser } from './middleware/site-keys.js';
import { imageIdParam, textField } from './params.js';

export const appealBody = z.strictObject({ message: textField(MAX_APPEAL_LENGTH).pipe(z.string().trim().min(1)) });

/** The asker of a request behind authenticateSiteOrUser: a site's key speaks for its site's images. */
function askerOf(req: Request): Asker {
  const siteId = req.siteKey?.siteId;
  return siteId ? { id: `site:${siteId}`, moderator: false, site: siteId } : userAsker(currentUser(req));
}

/** The router for an uploader's view of their image's moderation and their appeal. */
export function appealsRoutes(deps: Deps, auth: ReaderAuth): Router {
  const router = Router();
  const authenticated = authenticateSiteOrUser(deps, auth);
  router.get('/v1/images/:id/moderation', authenticated, async (req, res) => {
    const view = await getModerationView(deps, { imageId: imageIdParam(req.params.id), asker: askerOf(req) });
    res.set('Cache-Control', 'private, no-store').json(view);
  });
  router.post('/v1/images/:id/appeal', authenticated, async (req, res) => {
    const imageId = imageIdParam(req.params.id);
    const body = appealBody.safeParse(req.body ?? {});
    if (!body.success)
      throw badRequest(`an appeal is { "message": 1 to ${MAX_APPEAL_LENGTH} characters }`, { maxLength: MAX_APPEAL_LENGTH });
    const appeal = await appealImage(deps, { imageId, asker: askerOf(req), message: body.data.message });
    res.status(201).set('Cache-Control', 'no-store').json({ imageId, message: appeal.message, createdAt: appeal.createdAt });
  });
  return router;
}
