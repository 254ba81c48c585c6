import { describe, expect, it } from 'vitest';
import { reportPolicy } from '../../src/domain/policy.js';
import { SCENARIOS } from '../../src/lab/scenarios.js';
import { labConfig } from '../../src/lab/settings.js';
import { formatResults, percentiles, runScenario, type ScenarioResult } from '../../src/lab/simulate.js';

const SEEDS = [1, 2, 3];

function simulate(seed: number, sets: string[] = []): ScenarioResult[] {
  const config = labConfig(sets);
  const settings = { policy: reportPolicy(config), readerLimits: config.RATE_LIMIT_READER, networkLimits: config.RATE_LIMIT_NETWORK };
  return SCENARIOS.map((scenario) => runScenario(scenario, settings, seed));
}

const bySeed = new Map(SEEDS.map((seed) => [seed, simulate(seed)]));
const row = (seed: number, name: string) => bySeed.get(seed)!.find((result) => result.scenario === name)!;

describe('policy simulation with the default settings', () => {
  it.each(
    SEEDS.flatMap((seed) => SCENARIOS.filter((scenario) => scenario.group === 'attack').map((scenario) => ({ seed, name: scenario.name }))),
  )('when $name attacks harmless pictures (seed $seed), then none is auto-blocked', ({ seed, name }) => {
    const result = row(seed, name);
    expect(result.benign).toBeGreaterThan(0);
    expect(result.falseBlocks).toBe(0);
  });

  it.each(SEEDS)(
    'when ordinary readers report honestly (seed %i), then every abusive picture blocks at exactly 3 reports (2 for illegal content)',
    (seed) => {
      const result = row(seed, 'honest-ordinary');
      expect(result.missed).toBe(0);
      expect(percentiles(result.reportsToBlock)).toEqual({ median: 3, p90: 3 });
      expect(result.reportsToBlock.every((count) => count === 2 || count === 3)).toBe(true);
    },
  );

  it.each(SEEDS)(
    'when an honest mix reports (seed %i), then the median is at most 4 reports and at most 1 % wait for a moderator',
    (seed) => {
      const result = row(seed, 'honest-mixed');
      expect(percentiles(result.reportsToBlock)!.median).toBeLessThanOrEqual(4);
      expect(percentiles(result.reportsToBlock)!.p90).toBeLessThanOrEqual(6);
      expect(result.missed / result.abusive).toBeLessThanOrEqual(0.01);
      expect(result.queueEntries).toBe(result.abusive);
    },
  );

  it.each(SEEDS)('when a low-trust shield of any size lands first (seed %i), then three ordinary readers still block', (seed) => {
    const result = row(seed, 'shield');
    expect(result.missed).toBe(0);
    expect(new Set(result.trustedToBlock)).toEqual(new Set([3]));
  });

  it('when farmers report pictures that are already hidden, then they gain nothing and the rate limit slows them', () => {
    expect(row(1, 'farming')).toMatchObject({ falseBlocks: 0, queueEntries: 0 });
    expect(row(1, 'farming').rateLimited).toBeGreaterThan(0);
  });

  it('when three aged accounts report from three networks, then they block: the documented limit of any report count', () => {
    const result = row(1, 'aged-accounts-distinct-networks');
    expect(result.falseBlocks).toBe(result.benign);
  });

  it('when the same seed runs twice, then the table is identical; another seed differs', () => {
    expect(formatResults(simulate(1))).toBe(formatResults(bySeed.get(1)!));
    expect(formatResults(simulate(2))).not.toBe(formatResults(bySeed.get(1)!));
  });

  it('when a proposed setting lowers the quorum to one ordinary reader, then the lab shows what it costs', () => {
    const looser = simulate(1, ['CORROBORATION_QUORUM=1']);
    const faster = looser.find((result) => result.scenario === 'honest-mixed')!;
    expect(percentiles(faster.reportsToBlock)!.p90).toBeLessThanOrEqual(percentiles(row(1, 'honest-mixed').reportsToBlock)!.p90);
    expect(looser.find((result) => result.scenario === 'aged-ring-one-network')!.falseBlocks).toBeGreaterThan(0);
  });

  it('when a --set names something that is not a policy setting, then it is refused', () => {
    expect(() => labConfig(['JWT_SECRET=x'])).toThrow(/not a policy setting/);
    expect(() => labConfig(['AUTO_BLOCK_THRESHOLD=-1'])).toThrow(/AUTO_BLOCK_THRESHOLD/);
  });
});
