/** Routes: POST /v1/images (upload) and GET /v1/images/:id (the image's record). */
import { Router, type RequestHandler } from 'express';
import multer, { MulterError } from 'multer';
import type { Deps } from '../deps.js';
import { hasRole } from '../domain/roles.js';
import type { ImageRow } from '../db/images.repository.js';
import type { Score } from '../domain/reports.js';
import { badRequest } from '../errors.js';
import { getImageWithScore } from '../images/get-image.js';
import { uploadImage } from '../images/upload-image.js';
import { authenticate, currentUser } from './middleware/auth.js';
import { uploadAdmission } from './middleware/upload-admission.js';
import { imageIdParam } from './params.js';

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

  router.post('/v1/images', authenticate(deps), uploadAdmission(deps.config), parseUpload, async (req, res) => {
    if (!req.file) throw badRequest('send the image as multipart/form-data in the field "file"');
    const image = await uploadImage(deps, { uploaderId: currentUser(req).id, bytes: req.file.buffer });
    res.status(201).json({ id: image.id, status: image.status, ...imageLinks(image.id) });
  });

  router.get('/v1/images/:id', authenticate(deps), async (req, res) => {
    const { image, score } = await getImageWithScore(deps, imageIdParam(req.params.id));
    const user = currentUser(req);
    res.json(imageView(image, score, hasRole(user.role, 'moderator') || user.id === image.uploaderId));
  });

  return router;
}
