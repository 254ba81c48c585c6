/**
 * Routes: POST /v1/images (upload), GET /v1/images (a site's images) and GET /v1/images/:id (the image's
 * record), for a site's server (its API key) or a first-party token. An image of another site is 404.
 */
import { Router, type RequestHandler } from 'express';
import multer, { MulterError } from 'multer';
import type { Deps } from '../deps.js';
import { z } from 'zod';
import type { ImageRow } from '../db/images.repository.js';
import type { Score } from '../domain/reports.js';
import { AppError, badRequest } from '../errors.js';
import { getImageWithScore } from '../images/get-image.js';
import { uploadImage } from '../images/upload-image.js';
import { listImages } from '../images/list-images.js';
import { authenticateSiteOrUser, currentCaller } from './middleware/site-keys.js';
import type { ReaderAuth } from './middleware/readers.js';
import { uploadAdmission } from './middleware/upload-admission.js';
import { imageIdParam } from './params.js';

/** The public links of an image. */
export function imageLinks(id: string): { url: string; thumbnailUrl: string } {
  return { url: `/i/${id}`, thumbnailUrl: `/i/${id}/thumb` };
}

export const listImagesQuery = z.strictObject({
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  site: z.string().max(40).optional().meta({ description: 'moderators only: one site’s images' }),
});

/** The JSON shape of an image record; the uploader is shown to moderators and the uploader only. */
function imageView(image: ImageRow, score: Score | null, showUploader: boolean) {
  return {
    id: image.id,
    siteId: image.siteId,
    status: image.status,
    ...(showUploader ? { uploaderId: image.uploaderId } : {}),
    format: image.format,
    mimeType: image.mimeType,
    width: image.width,
    height: image.height,
    frames: image.frames,
    bytes: image.bytes,
    ...(score ? { openReports: score.reports, score: score.score } : {}),
    failureReason: image.failureReason,
    createdAt: image.createdAt,
    updatedAt: image.updatedAt,
    ...imageLinks(image.id),
  };
}

/** The router for uploads and image records (see the module comment). */
export function imagesRoutes(deps: Deps, auth: ReaderAuth): Router {
  const router = Router();
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: deps.config.MAX_UPLOAD_BYTES, files: 1, fields: 10 },
  });

  // Errors from parsing the multipart body itself (no boundary, cut off, garbage) are the client's: 400.
  const parseUpload: RequestHandler = (req, res, next) => {
    upload.single('file')(req, res, (error: unknown) => {
      if (error === undefined || error === null || error instanceof MulterError) return next(error);
      next(badRequest(`malformed multipart upload: ${error instanceof Error ? error.message : 'unreadable body'}`));
    });
  };

  const authenticated = authenticateSiteOrUser(deps, auth);

  router.post('/v1/images', authenticated, uploadAdmission(deps.config), parseUpload, async (req, res) => {
    if (!req.file) throw badRequest('send the image as multipart/form-data in the field "file"');
    const caller = currentCaller(req);
    const image = await uploadImage(deps, { siteId: caller.uploadSite, uploaderId: caller.uploaderId, bytes: req.file.buffer });
    res.status(201).json({ id: image.id, siteId: image.siteId, status: image.status, ...imageLinks(image.id) });
  });

  router.get('/v1/images', authenticated, async (req, res) => {
    const query = listImagesQuery.safeParse(req.query);
    if (!query.success) throw badRequest(`invalid query: ${z.prettifyError(query.error).replaceAll('\n', ' ')}`);
    const caller = currentCaller(req);
    if (!req.siteKey && !caller.moderator) {
      throw new AppError({ code: 'forbidden', message: "listing images needs a site's API key or the moderator role" });
    }
    const scope = caller.scope ?? query.data.site ?? null;
    const page = await listImages(deps, { scope, cursor: query.data.cursor, limit: query.data.limit });
    res.set('Cache-Control', 'private, no-store').json({
      items: page.items.map((image) => imageView(image, null, true)),
      nextCursor: page.nextCursor,
    });
  });

  router.get('/v1/images/:id', authenticated, async (req, res) => {
    const caller = currentCaller(req);
    const { image, score } = await getImageWithScore(deps, { imageId: imageIdParam(req.params.id), scope: caller.scope });
    res.json(imageView(image, score, caller.moderator || caller.uploaderId === image.uploaderId));
  });

  return router;
}
