/**
 * The policy simulation: `npm run policy:simulate -- --seed 1 [--scenario NAME|all] [--set KEY=VALUE …]`.
 * Prints one markdown row per scenario. No database or Redis; the same seed prints the same table.
 */
import { parseArgs } from 'node:util';
import { reportPolicy } from '../src/domain/policy.js';
import { SCENARIOS, scenarioNamed } from '../src/lab/scenarios.js';
import { labConfig } from '../src/lab/settings.js';
import { formatResults, runScenario } from '../src/lab/simulate.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    scenario: { type: 'string', default: 'all' },
    set: { type: 'string', multiple: true, default: [] },
  },
});
try {
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, not "${values.seed}"`);
  const config = labConfig(values.set);
  const scenarios = values.scenario === 'all' ? SCENARIOS : [scenarioNamed(values.scenario)];
  const settings = { policy: reportPolicy(config), readerLimits: config.RATE_LIMIT_READER, networkLimits: config.RATE_LIMIT_NETWORK };
  console.log(formatResults(scenarios.map((scenario) => runScenario(scenario, settings, seed))));
} catch (error) {
  console.error(`policy:simulate: ${(error as Error).message}`);
  console.error('usage: npm run policy:simulate -- --seed N [--scenario NAME|all] [--set KEY=VALUE …]');
  process.exit(2);
}
