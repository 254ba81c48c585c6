/**
 * Routes: POST /v1/images (upload a file, or register one by URL with a JSON body), GET /v1/images?externalId= and
 * GET /v1/images/:id (the image's record).
 */
import { Router, type RequestHandler } from 'express';
import multer, { MulterError } from 'multer';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { hasRole } from '../domain/roles.js';
import type { ImageRow } from '../db/images.repository.js';
import type { Score } from '../domain/reports.js';
import { badRequest } from '../errors.js';
import { registerImageByUrl } from '../images/register-by-url.js';
import { getImageByExternalId, getImageWithScore } from '../images/get-image.js';
import { uploadImage } from '../images/upload-image.js';
import { authenticate, currentUser } from './middleware/auth.js';
import { uploadAdmission } from './middleware/upload-admission.js';
import { imageIdParam, textField } from './params.js';

/** A registration by URL: the file's URL and, optionally, the site's own id for it. */
export const registerBody = z
  .object({
    url: z.string().min(1).max(2048).meta({ example: 'https://photos.news.example/2026/12/harbour.jpg' }),
    externalId: textField(200)
      .min(1)
      .optional()
      .meta({ description: "the site's own id for the image, unique", example: 'article-4711-photo-1' }),
  })
  .meta({ id: 'RegisterByUrl' });

/** GET /v1/images?externalId= */
export const externalIdQuery = z.object({ externalId: textField(200).min(1) });

/** The public links of an image. */
export function imageLinks(id: string): { url: string; thumbnailUrl: string } {
  return { url: `/i/${id}`, thumbnailUrl: `/i/${id}/thumb` };
}

/** The JSON shape of an image record; the uploader is shown to moderators only. */
function imageView(image: ImageRow, score: Score, showUploader: boolean) {
  return {
    id: image.id,
    status: image.status,
    ...(showUploader ? { uploaderId: image.uploaderId } : {}),
    format: image.format,
    mimeType: image.mimeType,
    width: image.width,
    height: image.height,
    frames: image.frames,
    bytes: image.bytes,
    openReports: score.reports,
    score: score.score,
    failureReason: image.failureReason,
    externalId: image.externalId,
    createdAt: image.createdAt,
    updatedAt: image.updatedAt,
    ...imageLinks(image.id),
  };
}

/** The router for uploads and image records (see the module comment). */
export function imagesRoutes(deps: Deps): Router {
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

  // A JSON body registers an image by URL: the fetched file then takes the upload's path (same admission, same intake).
  const registerByUrl: RequestHandler = async (req, res, next) => {
    if (!req.is('application/json')) return next();
    const body = registerBody.safeParse(req.body ?? {});
    if (!body.success) throw badRequest(`invalid registration: ${z.prettifyError(body.error).replaceAll('\n', ' ')}`);
    const image = await registerImageByUrl(deps, {
      url: body.data.url,
      ...(body.data.externalId !== undefined ? { externalId: body.data.externalId } : {}),
      allowedHosts: deps.config.REGISTER_URL_HOSTS,
      uploaderId: currentUser(req).id,
    });
    res.status(201).json({ id: image.id, status: image.status, externalId: image.externalId, ...imageLinks(image.id) });
  };

  router.post('/v1/images', authenticate(deps), uploadAdmission(deps.config), registerByUrl, parseUpload, async (req, res) => {
    if (!req.file) throw badRequest('send the image as multipart/form-data in the field "file"');
    const image = await uploadImage(deps, { uploaderId: currentUser(req).id, bytes: req.file.buffer });
    res.status(201).json({ id: image.id, status: image.status, ...imageLinks(image.id) });
  });

  router.get('/v1/images', authenticate(deps), async (req, res) => {
    const query = externalIdQuery.safeParse(req.query);
    if (!query.success) throw badRequest('give the image to find as ?externalId=');
    const { image, score } = await getImageByExternalId(deps, query.data.externalId);
    const user = currentUser(req);
    res.json(imageView(image, score, hasRole(user.role, 'moderator') || user.id === image.uploaderId));
  });

  router.get('/v1/images/:id', authenticate(deps), async (req, res) => {
    const { image, score } = await getImageWithScore(deps, imageIdParam(req.params.id));
    const user = currentUser(req);
    res.json(imageView(image, score, hasRole(user.role, 'moderator') || user.id === image.uploaderId));
  });

  return router;
}
