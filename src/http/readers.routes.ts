/**
 * Reader routes the widget uses besides reporting: the anonymous reader cookie, the reader's own report
 * receipts, and which images are hidden.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { badRequest } from '../errors.js';
import { imageVisibility } from '../images/visibility.js';
import { readerReceipts } from '../reports/reader-receipts.js';
import { authenticateReader, currentReader, issueAnonymousReader, type ReaderAuth } from './middleware/readers.js';

/** Most images one visibility request may ask about (a long article page). */
const MAX_VISIBILITY_IDS = 100;

export const visibilityQuery = z.object({
  ids: z
    .string()
    .meta({ description: '1 to 100 image ids separated by commas', example: '3f2c8a1e-5b7d-4c19-9e0a-6d4b2f1c8e77' })
    .transform((value) =>
      value
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.uuid()).min(1).max(MAX_VISIBILITY_IDS)),
});

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
    if (!query.success) throw badRequest(`ids must be 1 to ${MAX_VISIBILITY_IDS} image ids separated by commas`);
    // The page's site is the one whose origins hold the request's Origin (default without one): another
    // site's images are left out like unknown ids.
    const siteId = (await auth.sites.snapshot()).siteOfOrigin(req.get('origin'), `${req.protocol}://${req.get('host') ?? ''}`);
    const images = siteId === null ? {} : await imageVisibility(deps, { imageIds: query.data.ids, siteId });
    res.set('Cache-Control', 'no-store').json({ images });
  });

  return router;
}
