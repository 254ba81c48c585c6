/** Route: POST /v1/moderation/policy/replay, a moderator replays the real reports under proposed policy settings. */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { parseDurationMs } from '../domain/durations.js';
import { POLICY_KEYS } from '../domain/policy.js';
import { badRequest } from '../errors.js';
import { replayPolicy } from '../moderation/replay-policy.js';
import { authenticate, requireRole } from './auth.js';

/** Longest period a replay may cover from the API, in days (the CLI has no limit). */
const MAX_REPLAY_DAYS = 90;

const replayBody = z.strictObject({
  /** A duration back from now ("30d") or an ISO date-time. */
  since: z.string().default('30d'),
  /** Proposed settings, as environment values: { "AUTO_BLOCK_THRESHOLD": "4" }. */
  settings: z.partialRecord(z.enum(POLICY_KEYS), z.union([z.string(), z.number()]).transform(String)).default({}),
  /** Include the per-image outcomes (up to 1,000). */
  images: z.boolean().default(false),
});

/** `since` as a date: a duration back from `now`, or an ISO 8601 date-time; null when it is neither. */
export function replaySince(since: string, now = new Date()): Date | null {
  const ms = parseDurationMs(since);
  if (ms !== null) return new Date(now.getTime() - ms);
  const date = z.iso.datetime({ offset: true }).safeParse(since);
  return date.success ? new Date(date.data) : null;
}

/** The router for POST /v1/moderation/policy/replay (moderators). */
export function policyRoutes(deps: Deps): Router {
  const router = Router();
  router.post('/v1/moderation/policy/replay', authenticate(deps, { sessionCookie: true }), requireRole('moderator'), async (req, res) => {
    const body = replayBody.safeParse(req.body ?? {});
    if (!body.success) throw badRequest(`invalid replay: ${z.prettifyError(body.error).replaceAll('\n', ' ')}`, { settable: POLICY_KEYS });
    const since = replaySince(body.data.since);
    if (!since || Date.now() - since.getTime() > MAX_REPLAY_DAYS * 86_400_000) {
      throw badRequest(`since must be a duration such as 30d, or an ISO date-time, at most ${MAX_REPLAY_DAYS} days back`);
    }
    const replay = await replayPolicy(deps, { since, settings: body.data.settings });
    res.set('Cache-Control', 'no-store').json({
      since: replay.since,
      settings: replay.settings,
      summary: replay.summary,
      ...(body.data.images ? { images: replay.images.slice(0, 1_000) } : {}),
    });
  });
  return router;
}
