/**
 * The policy replay: `npm run policy:replay -- --since 30d [--set KEY=VALUE …] [--json]`. Re-runs the policy over
 * the real reports in DATABASE_URL in their real order with the proposed settings, and prints what changes.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { poolLimits } from '../src/deps.js';
import { formatReplay } from '../src/lab/replay.js';
import { replayPolicy, replaySince } from '../src/moderation/replay-policy.js';

const { values } = parseArgs({
  options: {
    since: { type: 'string', default: '30d' },
    set: { type: 'string', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
  },
});
const config = loadConfig();
const since = replaySince(values.since);
if (!since) {
  console.error(`policy:replay: --since must be a duration such as 30d or an ISO date-time, not "${values.since}"`);
  process.exit(2);
}
const settings = Object.fromEntries(values.set.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
const pool = createPool(config.DATABASE_URL, {
  limits: poolLimits(config, 'jobs'),
  name: 'imgmod-policy-replay',
  onError: (error) => console.error(`policy:replay: PostgreSQL: ${error.message}`),
});
try {
  const replay = await replayPolicy({ pool, config }, { since, settings });
  console.log(values.json ? JSON.stringify(replay, null, 2) : formatReplay(replay.summary));
} catch (error) {
  console.error(`policy:replay: ${(error as Error).message}`);
  process.exitCode = 2;
} finally {
  await pool.end();
}
