import { defineConfig } from 'vitest/config';

/** Tests that need no service at all: pure rules, the policy lab, sharp's derivatives and hashes, config, the error catalogue, deploy files, cookie signing, the tests' spare ports and the worker's batching of evaluations (`npm run test:unit`). */
const UNIT = [
  'test/domain/**/*.test.ts',
  'test/lab/**/*.test.ts',
  'test/auth/**/*.test.ts',
  'test/media/**/*.test.ts',
  'test/config.test.ts',
  'test/errors.test.ts',
  'test/outage-log.test.ts',
  'test/deploy.test.ts',
  'test/summary-reporter.test.ts',
  'test/workers/evaluation-batches.test.ts',
  'test/group-commit.test.ts',
  'test/spare-port.test.ts',
];

export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // Generous: a test that passes returns as soon as its conditions hold; these only bound a hang on a loaded machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each integration test file gets its own database, queue prefix and data directory; 2 files at a time fit 2 cores.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: UNIT, globalSetup: ['test/helpers/global-setup.ts'] },
      },
    ],
  },
});
