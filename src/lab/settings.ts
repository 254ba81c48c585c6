/** Proposed policy settings for the policy lab: `KEY=VALUE` pairs over the configuration, validated like the environment. */
import { loadConfig, type Config } from '../config.js';
import { POLICY_KEYS } from '../domain/policy.js';

/**
 * The configuration with the proposed settings applied: `base` (the environment's variables) overridden by each
 * `KEY=VALUE` of `sets`. Only the policy's keys (POLICY_KEYS) may be set.
 * @throws Error naming a key that is not a policy setting, a pair without `=`, or an invalid value (ConfigError)
 */
export function labConfig(sets: readonly string[], base: NodeJS.ProcessEnv = {}): Config {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const pair of sets) {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at);
    if (at <= 0) throw new Error(`"${pair}" is not KEY=VALUE`);
    if (!(POLICY_KEYS as readonly string[]).includes(key))
      throw new Error(`${key} is not a policy setting; settable: ${POLICY_KEYS.join(', ')}`);
    env[key] = pair.slice(at + 1);
  }
  return loadConfig(env);
}

/**
 * `current` with the proposed settings applied: each `KEY=VALUE` of `sets` validated as labConfig does, and only
 * those keys replaced.
 * @throws Error as labConfig
 */
export function proposedConfig(current: Config, sets: readonly string[]): Config {
  const parsed = labConfig(sets);
  const keys = sets.map((pair) => pair.slice(0, pair.indexOf('=')) as keyof Config);
  return { ...current, ...Object.fromEntries(keys.map((key) => [key, parsed[key]])) };
}
