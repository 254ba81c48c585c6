/** Use case: replay the real reports of a period under proposed policy settings (lab/replay.ts). */
import type { Deps } from '../deps.js';
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

/**
 * Replays every report made since `since` under the current configuration with `settings` applied.
 * @param settings policy keys (domain/policy.ts POLICY_KEYS) → values, as in the environment
 * @throws AppError 400 `bad_request` naming a key that is not a policy setting or an invalid value
 */
export async function replayPolicy(deps: Pick<Deps, 'pool' | 'config'>, input: { since: Date; settings: Record<string, string> }): Promise<PolicyReplay> {
  let config;
  try {
    config = proposedConfig(deps.config, Object.entries(input.settings).map(([key, value]) => `${key}=${value}`));
  } catch (error) {
    throw badRequest(`invalid settings: ${(error as Error).message.replaceAll('\n', ' ')}`);
  }
  const { summary, images } = replayHistories(await loadHistories(deps.pool, input.since), reportPolicy(config));
  return { since: input.since, settings: input.settings, summary, images };
}
