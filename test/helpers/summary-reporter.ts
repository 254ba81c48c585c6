/**
 * Prints one plain closing line, "tests: N passed, N failed[, N skipped]", after vitest's own summary. A suite
 * that failed to run (a failing beforeAll, an import error) counts as a failure even though its tests were only
 * skipped, and so does an unhandled error: the closing line never says "0 failed" for a run that failed.
 */
import type { SerializedError } from 'vitest';
import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[], unhandledErrors: readonly SerializedError[], reason: TestRunEndReason): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const brokenSuites: string[] = [];
    for (const module of testModules) {
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') failedTests++;
        else counts.skipped++;
      }
      counts.failed += failedTests;
      if (module.state() === 'failed' && failedTests === 0) {
        counts.failed++;
        const error = module.errors()[0]?.message ?? 'a hook failed';
        brokenSuites.push(`${module.moduleId.replace(`${process.cwd()}/`, '')}: ${error.split('\n')[0]}`);
      }
    }
    counts.failed += unhandledErrors.length;
    if (reason === 'failed' && counts.failed === 0) counts.failed = 1;
    for (const suite of brokenSuites) process.stdout.write(`suite failed to run: ${suite}\n`);
    const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
    process.stdout.write(`tests: ${counts.passed} passed, ${counts.failed} failed${skipped}\n`);
  }
}
