/**
 * The report policy's settings in one value, read from the configuration: what the worker, the policy simulation
 * and the policy replay all decide with. Pure: no I/O.
 */
import type { Config } from '../config.js';
import type { WeightSettings } from './readers.js';
import type { BrigadePolicy, ThresholdPolicy } from './threshold.js';

/** The environment variables of the report policy (the ones `--set KEY=VALUE` may change in the policy lab). */
export const POLICY_KEYS = [
  'AUTO_BLOCK_THRESHOLD',
  'REASON_THRESHOLDS',
  'RESTORED_THRESHOLD_FACTOR',
  'REFLAG_COOLDOWN_HOURS',
  'ANONYMOUS_REPORT_WEIGHT',
  'NEW_ACCOUNT_REPORT_WEIGHT',
  'NEW_ACCOUNT_AGE',
  'BRIGADE_MIN_REPORTS',
  'BRIGADE_WINDOW',
  'CORROBORATION_QUORUM',
  'ACCOUNT_CLUSTER_WINDOW',
  'UPLOADER_THRESHOLD_FACTORS',
  'RATE_LIMIT_READER',
  'RATE_LIMIT_NETWORK',
] as const;
export type PolicyKey = (typeof POLICY_KEYS)[number];

/** A duration variable's name in the parsed config: its unit appended (config.ts). */
type InConfig<K extends string> = K extends keyof Config ? K : `${K}_MS` & keyof Config;

/** The parsed settings the report policy reads. */
export type PolicyConfig = Pick<Config, InConfig<PolicyKey>>;

export interface ReportPolicy {
  threshold: ThresholdPolicy;
  brigade: BrigadePolicy;
  weights: WeightSettings;
  /** NEW_ACCOUNT_AGE in ms. */
  newAccountAgeMs: number;
  /** REFLAG_COOLDOWN_HOURS in ms. */
  reflagCooldownMs: number;
  /** Threshold factor of an uploader (UPLOADER_THRESHOLD_FACTORS; 1 for everyone else). */
  uploaderFactor(uploaderId: string): number;
}

/** The report policy a configuration sets. */
export function reportPolicy(config: PolicyConfig): ReportPolicy {
  return {
    threshold: {
      threshold: config.AUTO_BLOCK_THRESHOLD,
      reasonThresholds: config.REASON_THRESHOLDS,
      restoredFactor: config.RESTORED_THRESHOLD_FACTOR,
    },
    brigade: {
      minReports: config.BRIGADE_MIN_REPORTS,
      windowMs: config.BRIGADE_WINDOW_MS,
      ordinaryQuorum: config.CORROBORATION_QUORUM,
      accountClusterMs: config.ACCOUNT_CLUSTER_WINDOW_MS,
    },
    weights: { anonymousWeight: config.ANONYMOUS_REPORT_WEIGHT, newAccountWeight: config.NEW_ACCOUNT_REPORT_WEIGHT },
    newAccountAgeMs: config.NEW_ACCOUNT_AGE_MS,
    reflagCooldownMs: config.REFLAG_COOLDOWN_HOURS * 3_600_000,
    uploaderFactor: (uploaderId) => config.UPLOADER_THRESHOLD_FACTORS[uploaderId] ?? 1,
  };
}
