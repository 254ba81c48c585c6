/** Use case: replay the real reports of a period under proposed policy settings (lab/replay.ts). */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { parseDurationMs } from '../domain/durations.js';
import { loadHistories } from '../db/replay.repository.js';
import { reportPolicy } from '../domain/policy.js';
import { proposedConfig } from '../lab/settings.js';
import { replayHistories, type ImageReplay, type ReplaySummary } from '../lab/replay.js';
import { badRequest } from '../errors.js';

export interface PolicyReplay {
  since: Date;
  /** The proposed settings, as given. */
  settings: Record<string, string>;
  summary: ReplaySummary;
  images: ImageReplay[];
}

/** `since` as a date: a duration back from `now` ("30d"), or an ISO 8601 date-time; null when it is neither. */
export function replaySince(since: string, now = new Date()): Date | null {
  const ms = parseDurationMs(since);
  if (ms !== null) return new Date(now.getTime() - ms);
  const date = z.iso.datetime({ offset: true }).safeParse(since);
  return date.success ? new Date(date.data) : null;
}

/**
 * Replays every report made since `since` under the current configuration with `settings` applied.
 * @param settings policy keys (domain/policy.ts POLICY_KEYS) → values, as in the environment
 * @param since a date, or a duration back from now / ISO date-time (replaySince); at most `maxDays` back when given
 * @throws AppError 400 `bad_request` for a bad or too distant `since`, a key that is not a policy setting or an invalid value
 */
export async function replayPolicy(
  deps: Pick<Deps, 'pool' | 'config'>,
  input: { since: Date | string; settings: Record<string, string>; maxDays?: number },
): Promise<PolicyReplay> {
  const since = typeof input.since === 'string' ? replaySince(input.since) : input.since;
  if (!since || (input.maxDays !== undefined && Date.now() - since.getTime() > input.maxDays * 86_400_000)) {
    throw badRequest(
      `since must be a duration such as 30d, or an ISO date-time${input.maxDays === undefined ? '' : `, at most ${input.maxDays} days back`}`,
    );
  }
  let config;
  try {
    config = proposedConfig(
      deps.config,
      Object.entries(input.settings).map(([key, value]) => `${key}=${value}`),
    );
  } catch (error) {
    throw badRequest(`invalid settings: ${(error as Error).message.replaceAll('\n', ' ')}`);
  }
  const { summary, images } = replayHistories(await loadHistories(deps.pool, since), reportPolicy(config));
  return { since, settings: input.settings, summary, images };
}
