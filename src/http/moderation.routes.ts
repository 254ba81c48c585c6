/**
 * Moderator-only routes under /v1/moderation: review queues, one image's detail, preview and original,
 * decisions (one or bulk), the audit log, and the moderator page's session cookie.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { findImage } from '../db/images.repository.js';
import { listAudit } from '../db/moderation-events.repository.js';
import { countQueues, listQueue } from '../db/review-queue.repository.js';
import { DECISION_ACTIONS } from '../domain/decisions.js';
import { IMAGE_STATUSES } from '../domain/image-status.js';
import { REPORT_REASONS } from '../domain/reports.js';
import { QUEUE_SORTS, QUEUE_STATES } from '../domain/review-queue.js';
import { AppError, badRequest, notFound } from '../errors.js';
import { decideImage } from '../moderation/decide.js';
import { getOriginal, getReviewDetail, getReviewPreview } from '../moderation/review-image.js';
import { startSession, signOut } from '../moderation/sessions.js';
import { authenticate, currentUser, requireRole, sessionCookie, sessionIdOf } from './auth.js';
import { decodeCursor, encodeCursor, sortKeyFits } from './cursor.js';
import { imageLinks } from './images.routes.js';
import { imageIdParam, textField } from './params.js';

const MAX_BULK = 100;

const pageLimit = z.coerce.number().int().min(1).max(100).default(25);

/** The queue's page position: the listing it belongs to, when the walk started, and the last item's sort key. */
const queueCursor = z.strictObject({
  state: z.enum(QUEUE_STATES),
  sort: z.enum(QUEUE_SORTS),
  asOf: z.iso.datetime(),
  key: z.tuple([z.string(), z.uuid()]),
}).refine((cursor) => sortKeyFits(cursor.sort, cursor.key[0]));

/** The audit log's page position: the id of the last event shown. */
const auditCursor = z.tuple([z.string().regex(/^[1-9]\d{0,15}$/)]);

const queueQuery = z.object({
  state: z.enum(QUEUE_STATES).default('auto_blocked'),
  reason: z.enum(REPORT_REASONS).optional(),
  sort: z.enum(QUEUE_SORTS).default('score'),
  cursor: z.string().optional(),
  limit: pageLimit,
});

const auditQuery = z.object({
  image: z.uuid().optional(),
  actor: textField(200).pipe(z.string().min(1)).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().optional(),
  limit: pageLimit,
});

const decisionBody = z.strictObject({
  action: z.enum(DECISION_ACTIONS),
  note: textField(1000).optional(),
  expectedStatus: z.enum(IMAGE_STATUSES).optional(),
});

const bulkBody = z.strictObject({
  ids: z
    .array(z.uuid().transform((id) => id.toLowerCase()))
    .min(1)
    .max(MAX_BULK),
  action: z.enum(DECISION_ACTIONS),
  note: textField(1000).optional(),
  /** The status the moderator saw on every image; an image no longer in it is refused (409 status_changed). */
  expectedStatus: z.enum(IMAGE_STATUSES).optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw badRequest(`invalid ${what}: ${z.prettifyError(result.error).replaceAll('\n', ' ')}`);
  return result.data;
}

function reviewLinks(id: string) {
  return {
    previewUrl: `/v1/moderation/images/${id}/preview`,
    originalUrl: `/v1/moderation/images/${id}/original`,
  };
}

/** Bytes for moderators only: never cached by a shared cache, never sniffed. */
function sendPrivate(res: Response, bytes: Buffer, contentType: string): void {
  res.set({ 'Content-Type': contentType, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, no-store' }).send(bytes);
}

/** The router for /v1/moderation/* (moderators only, bearer token or session cookie). */
export function moderationRoutes(deps: Deps): Router {
  const router = Router();

  // Development sign-in (MODERATOR_TOKEN_SIGNIN, off in production): a moderator token starts a server-side
  // session whose opaque id goes in an HttpOnly cookie (also used by /admin/queues).
  router.post('/v1/moderation/session', (_req, _res, next) => {
    if (!deps.config.MODERATOR_TOKEN_SIGNIN) {
      throw new AppError({ code: 'token_signin_disabled', httpStatus: 403, message: 'sign in with your organisation\'s account (/auth/sign-in)' });
    }
    next();
  }, authenticate(deps), requireRole('moderator'), async (req, res) => {
    const user = currentUser(req);
    const { sessionId, expiresAt } = await startSession(deps, { subject: user.id, name: null, role: user.role === 'admin' ? 'admin' : 'moderator', provider: 'token' });
    const cookie = sessionCookie(req, expiresAt.getTime() - Date.now());
    res.cookie(cookie.name, sessionId, cookie.options).set('Cache-Control', 'no-store').json({ moderatorId: user.id, role: user.role, expiresAt });
  });
  // Sign-out ends the session in the database: the same cookie no longer works anywhere.
  router.delete('/v1/moderation/session', async (req, res) => {
    const sessionId = sessionIdOf(req);
    if (sessionId) await signOut(deps, sessionId);
    const cookie = sessionCookie(req);
    res.clearCookie(cookie.name, cookie.options).status(204).end();
  });

  router.use('/v1/moderation', authenticate(deps, { sessionCookie: true }), requireRole('moderator'));
  router.get('/v1/moderation/queue-counts', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ counts: await countQueues(deps.pool) });
  });
  router.get('/v1/moderation/session', (req, res) => {
    const user = currentUser(req);
    res.set('Cache-Control', 'no-store').json({ moderatorId: user.id, role: user.role });
  });

  router.get('/v1/moderation/queue', async (req, res) => {
    const query = parse(queueQuery, req.query, 'queue query');
    const cursor = query.cursor ? decodeCursor(query.cursor, queueCursor) : undefined;
    if (cursor && (cursor.state !== query.state || cursor.sort !== query.sort)) {
      throw new AppError({ code: 'invalid_cursor', httpStatus: 400, message: 'this cursor belongs to another queue or sort order' });
    }
    const asOf = cursor ? new Date(cursor.asOf) : new Date();
    const rows = await listQueue(deps.pool, {
      state: query.state,
      reason: query.reason,
      sort: query.sort,
      limit: query.limit + 1,
      asOf,
      after: cursor?.key,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    res.json({
      state: query.state,
      sort: query.sort,
      items: page.map(({ sortValue: _sortValue, rankScore: _rankScore, ...item }) => ({ ...item, ...reviewLinks(item.id) })),
      nextCursor:
        rows.length > query.limit && last
          ? encodeCursor({ state: query.state, sort: query.sort, asOf: asOf.toISOString(), key: [last.sortValue, last.id] })
          : null,
    });
  });

  router.get('/v1/moderation/images/:id', async (req, res) => {
    const detail = await getReviewDetail(deps, imageIdParam(req.params.id), currentUser(req).id);
    res.json({
      image: { ...detail.image, openReports: detail.score.reports, openScore: detail.score.score, byReason: detail.score.byReason, ...imageLinks(detail.image.id) },
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
    const image = await findImage(deps.pool, imageIdParam(req.params.id));
    if (!image) throw notFound('image');
    sendPrivate(res, await getOriginal(deps, image), image.mimeType);
  });

  router.post('/v1/moderation/images/:id/decision', async (req, res) => {
    const body = parse(decisionBody, req.body, 'decision');
    const result = await decideImage(deps, {
      imageId: imageIdParam(req.params.id),
      moderatorId: currentUser(req).id,
      action: body.action,
      note: body.note || null,
      expectedStatus: body.expectedStatus,
    });
    res.json(result);
  });

  router.post('/v1/moderation/decisions', async (req, res) => {
    const body = parse(bulkBody, req.body, `bulk decision (1 to ${MAX_BULK} ids)`);
    const results = [];
    for (const imageId of new Set(body.ids)) {
      try {
        const result = await decideImage(deps, {
          imageId,
          moderatorId: currentUser(req).id,
          action: body.action,
          note: body.note || null,
          expectedStatus: body.expectedStatus,
        });
        results.push({ ok: true, ...result });
      } catch (error) {
        // One image's failure is its own result; the others were decided in their own transactions.
        if (!(error instanceof AppError)) deps.logger.error({ err: error, imageId }, 'bulk decision failed');
        const { code, message } = error instanceof AppError ? error : { code: 'internal_error', message: 'this image could not be decided' };
        results.push({ ok: false, imageId, error: { code, message } });
      }
    }
    res.json({ results });
  });

  router.get('/v1/moderation/audit', async (req, res) => {
    const query = parse(auditQuery, req.query, 'audit query');
    const beforeId = query.cursor ? Number(decodeCursor(query.cursor, auditCursor)[0]) : undefined;
    const rows = await listAudit(deps.pool, {
      imageId: query.image,
      actorId: query.actor === undefined ? undefined : query.actor === 'system' ? null : query.actor,
      since: query.since ? new Date(query.since) : undefined,
      beforeId,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    res.json({
      items: page.map((event) => ({ ...event, actor: event.actorId ?? 'system' })),
      nextCursor: rows.length > query.limit ? encodeCursor([String(page.at(-1)!.id)]) : null,
    });
  });

  return router;
}
