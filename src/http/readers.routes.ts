/**
 * Reader routes the widget uses besides reporting: the anonymous reader cookie, the reader's own report
 * receipts, and which images are hidden.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError, badRequest } from '../errors.js';
import { SITE_ID_PATTERN, siteOfPage } from '../domain/sites.js';
import { textField } from './params.js';
import { imageVisibility } from '../images/visibility.js';
import { readerReceipts } from '../reports/reader-receipts.js';
import { authenticateReader, currentReader, issueAnonymousReader, type ReaderAuth } from './middleware/readers.js';

/** Most images one visibility request may ask about (a long article page), by id and by external id each. */
const MAX_VISIBILITY_IDS = 100;

const externalIdValue = textField(200).min(1);

export const visibilityQuery = z
  .object({
    ids: z
      .string()
      .meta({ description: '1 to 100 image ids separated by commas', example: '3f2c8a1e-5b7d-4c19-9e0a-6d4b2f1c8e77' })
      .transform((value) =>
        value
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.uuid()).min(1).max(MAX_VISIBILITY_IDS))
      .optional(),
    externalId: z
      .union([externalIdValue.transform((value) => [value]), z.array(externalIdValue).min(1).max(MAX_VISIBILITY_IDS)])
      .meta({
        description: "the site's own ids of images it registered, the parameter repeated (1 to 100); needs `site` or the site's Origin",
      })
      .optional(),
    site: z.string().regex(SITE_ID_PATTERN).meta({ description: 'the site of the page (the script tag’s data-site)' }).optional(),
  })
  .refine((query) => query.ids !== undefined || query.externalId !== undefined, { message: 'ids or externalId is required' });

/** The router for the reader API besides reports: the anonymous reader cookie, receipts and visibility. */
export function readersRoutes(deps: Deps, auth: ReaderAuth): Router {
  const router = Router();

  router.post('/v1/readers/anonymous', async (req, res) => {
    const { readerId, siteId, issued } = await issueAnonymousReader(auth, req, res);
    res.status(issued ? 201 : 200).json({ readerId, siteId });
  });

  router.get('/v1/me/reports', authenticateReader(auth), async (req, res) => {
    const reader = currentReader(req);
    const receipts = await readerReceipts(deps, reader.id);
    res.set('Cache-Control', 'private, no-store').json({ readerId: reader.id, kind: reader.kind, ...receipts });
  });

  router.get('/v1/visibility', async (req, res) => {
    const query = visibilityQuery.safeParse(req.query);
    if (!query.success)
      throw badRequest(
        `ids (1 to ${MAX_VISIBILITY_IDS} image ids separated by commas) or externalId (1 to ${MAX_VISIBILITY_IDS}) is required`,
      );
    const { ids, externalId: externalIds, site } = query.data;
    // The page's site is the one whose origins hold the request's Origin (default without one), or the one the
    // page names: another site's images are left out like unknown ids.
    const page = siteOfPage((await auth.sites.snapshot()).sites, {
      origin: req.get('origin'),
      ownOrigin: `${req.protocol}://${req.get('host') ?? ''}`,
      named: site,
    });
    if ('mismatch' in page)
      throw new AppError({ code: 'origin_not_allowed', message: `this page's origin is not one of site ${site}'s allowed origins` });
    const answer =
      page.siteId === null
        ? { images: {}, ...(externalIds ? { externalIds: {} } : {}) }
        : await imageVisibility(deps, { imageIds: ids ?? [], ...(externalIds ? { externalIds } : {}), siteId: page.siteId });
    res.set('Cache-Control', 'no-store').json(answer);
  });

  return router;
}
