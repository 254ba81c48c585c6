/**
 * Routes: POST /v1/images (upload a file, or register one by URL with a JSON body), GET /v1/images (a site's
 * images, or the one with ?externalId=) and GET /v1/images/:id (the image's record), for a site's server (its API
 * key) or a first-party token. An image of another site is 404.
 */
import { Router, type RequestHandler } from 'express';
import multer, { MulterError } from 'multer';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import type { ImageRow } from '../db/images.repository.js';
import type { Score } from '../domain/reports.js';
import { AppError, badRequest } from '../errors.js';
import { registerImageByUrl } from '../images/register-by-url.js';
import { getImageByExternalId, getImageWithScore } from '../images/get-image.js';
import { uploadImage } from '../images/upload-image.js';
import { listImages } from '../images/list-images.js';
import { authenticateSiteOrUser, currentCaller } from './middleware/site-keys.js';
import type { ReaderAuth } from './middleware/readers.js';
import { uploadAdmission } from './middleware/upload-admission.js';
import { imageIdParam, textField } from './params.js';

/** A registration by URL: the file's URL and, optionally, the site's own id for it. */
export const registerBody = z
  .object({
    url: z.string().min(1).max(2048).meta({ example: 'https://photos.news.example/2026/12/harbour.jpg' }),
    externalId: textField(200)
      .min(1)
      .optional()
      .meta({ description: "the site's own id for the image, unique within the site", example: 'article-4711-photo-1' }),
  })
  .meta({ id: 'RegisterByUrl' });

/** GET /v1/images?externalId= */
export const externalIdQuery = z.object({ externalId: textField(200).min(1) });

/**
 * The hosts a site may register images from: those of its allowed origins, and the operator's REGISTER_URL_HOSTS
 * (a CDN or photo host the sites share). Every fetch is also refused for any address that is not public.
 */
export function registrationHosts(origins: readonly string[], config: Pick<Config, 'REGISTER_URL_HOSTS'>): string[] {
  const hosts = origins.flatMap((origin) => {
    try {
      return [new URL(origin).hostname];
    } catch {
      return [];
    }
  });
  return [...new Set([...hosts, ...config.REGISTER_URL_HOSTS])];
}

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
    externalId: image.externalId,
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

  // A JSON body registers an image by URL: the fetched file then takes the upload's path (same admission, same intake).
  const registerByUrl: RequestHandler = async (req, res, next) => {
    if (!req.is('application/json')) return next();
    const body = registerBody.safeParse(req.body ?? {});
    if (!body.success) throw badRequest(`invalid registration: ${z.prettifyError(body.error).replaceAll('\n', ' ')}`);
    const caller = currentCaller(req);
    const image = await registerImageByUrl(deps, {
      url: body.data.url,
      ...(body.data.externalId !== undefined ? { externalId: body.data.externalId } : {}),
      allowedHosts: registrationHosts((await auth.sites.snapshot()).byId.get(caller.uploadSite)?.allowedOrigins ?? [], deps.config),
      siteId: caller.uploadSite,
      uploaderId: caller.uploaderId,
    });
    res
      .status(201)
      .json({ id: image.id, siteId: image.siteId, status: image.status, externalId: image.externalId, ...imageLinks(image.id) });
  };

  router.post('/v1/images', authenticated, uploadAdmission(deps.config), registerByUrl, parseUpload, async (req, res) => {
    if (!req.file) throw badRequest('send the image as multipart/form-data in the field "file"');
    const caller = currentCaller(req);
    const image = await uploadImage(deps, { siteId: caller.uploadSite, uploaderId: caller.uploaderId, bytes: req.file.buffer });
    res.status(201).json({ id: image.id, siteId: image.siteId, status: image.status, ...imageLinks(image.id) });
  });

  router.get('/v1/images', authenticated, async (req, res) => {
    const caller = currentCaller(req);
    if (typeof req.query.externalId === 'string') {
      const query = externalIdQuery.safeParse(req.query);
      if (!query.success) throw badRequest(`invalid query: ${z.prettifyError(query.error).replaceAll('\n', ' ')}`);
      const { image, score } = await getImageByExternalId(deps, { siteId: caller.uploadSite, externalId: query.data.externalId });
      res
        .set('Cache-Control', 'private, no-store')
        .json(imageView(image, score, caller.moderator || caller.uploaderId === image.uploaderId));
      return;
    }
    const query = listImagesQuery.safeParse(req.query);
    if (!query.success) throw badRequest(`invalid query: ${z.prettifyError(query.error).replaceAll('\n', ' ')}`);
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
