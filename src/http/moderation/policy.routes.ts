/** Route: POST /v1/moderation/policy/replay, a moderator replays the real reports under proposed policy settings. */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { POLICY_KEYS } from '../../domain/policy.js';
import { badRequest } from '../../errors.js';
import { replayPolicy } from '../../moderation/replay-policy.js';

/** Longest period a replay may cover from the API, in days (the CLI has no limit). */
const MAX_REPLAY_DAYS = 90;

export const replayBody = z.strictObject({
  /** A duration back from now ("30d") or an ISO date-time. */
  since: z.string().default('30d'),
  /** Proposed settings, as environment values: { "AUTO_BLOCK_THRESHOLD": "4" }. */
  settings: z.partialRecord(z.enum(POLICY_KEYS), z.union([z.string(), z.number()]).transform(String)).default({}),
  /** Include the per-image outcomes (up to 1,000). */
  images: z.boolean().default(false),
});

/** The router for POST /v1/moderation/policy/replay (behind the moderator guard of http/moderation/index.ts). */
export function policyRoutes(deps: Deps): Router {
  const router = Router();
  router.post('/v1/moderation/policy/replay', async (req, res) => {
    const body = replayBody.safeParse(req.body ?? {});
    if (!body.success) throw badRequest(`invalid replay: ${z.prettifyError(body.error).replaceAll('\n', ' ')}`, { settable: POLICY_KEYS });
    const replay = await replayPolicy(deps, { since: body.data.since, settings: body.data.settings, maxDays: MAX_REPLAY_DAYS });
    res.set('Cache-Control', 'no-store').json({
      since: replay.since,
      settings: replay.settings,
      summary: replay.summary,
      ...(body.data.images ? { images: replay.images.slice(0, 1_000) } : {}),
    });
  });
  return router;
}
