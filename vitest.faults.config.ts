import { defineConfig } from 'vitest/config';

/** The fault suite (`npm run test:faults`): its own PostgreSQL and Redis, imgmod's compiled processes, one fault at a time. */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.faults.ts'],
    globalSetup: ['test/faults/setup.ts'],
    reporters: ['default', './test/faults/fault-reporter.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});
