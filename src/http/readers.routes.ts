/**
 * Reader routes the widget uses besides reporting: the anonymous reader cookie, the reader's own report
 * receipts, and which images are hidden.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { findStatuses, type ImageRow } from '../db/images.repository.js';
import { isBlocked } from '../domain/image-status.js';
import { badRequest } from '../errors.js';
import { readerReceipts } from '../moderation/reader-receipts.js';
import { authenticateReader, currentReader, issueAnonymousReader, type ReaderAuth } from './readers.js';

/** Most images one visibility request may ask about (a long article page). */
const MAX_VISIBILITY_IDS = 100;

const visibilityQuery = z.object({
  ids: z.string().transform((value) => value.split(',').map((id) => id.trim()).filter(Boolean)).pipe(z.array(z.uuid()).min(1).max(MAX_VISIBILITY_IDS)),
});

/** What the public may know of an image's status: hidden (blocked or removed) or not. */
function visibility(status: ImageRow['status']): 'hidden' | 'visible' | 'processing' | 'unavailable' {
  if (isBlocked(status)) return 'hidden';
  return status === 'visible' || status === 'processing' ? status : 'unavailable';
}

/** The router for the reader API besides reports: the anonymous reader cookie, receipts and visibility. */
export function readersRoutes(deps: Deps, auth: ReaderAuth): Router {
  const router = Router();

  router.post('/v1/readers/anonymous', (req, res) => {
    const { readerId, issued } = issueAnonymousReader(auth, req, res);
    res.status(issued ? 201 : 200).json({ readerId });
  });

  router.get('/v1/me/reports', authenticateReader(auth), async (req, res) => {
    const reader = currentReader(req);
    const receipts = await readerReceipts(deps, reader.id);
    res.set('Cache-Control', 'private, no-store').json({ readerId: reader.id, kind: reader.kind, ...receipts });
  });

  router.get('/v1/visibility', async (req, res) => {
    const query = visibilityQuery.safeParse(req.query);
    if (!query.success) throw badRequest(`ids must be 1 to ${MAX_VISIBILITY_IDS} image ids separated by commas`);
    const statuses = await findStatuses(deps.pool, query.data.ids);
    const images = Object.fromEntries([...statuses].map(([id, status]) => [id, visibility(status)]));
    res.set('Cache-Control', 'no-store').json({ images });
  });

  return router;
}
