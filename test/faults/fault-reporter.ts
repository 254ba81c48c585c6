/**
 * Prints the fault suite's table (one row per fault: what clients sent and were told, what PostgreSQL
 * holds, blocks, hangs, errors, crashes) and one closing line, "faults: N passed, N failed[, N skipped]", counted from
 * the test results themselves.
 */
import type { Reporter, TestModule } from 'vitest/node';

/** One fault's measurements, set by the test on its task's meta. */
export interface FaultRow {
  fault: string;
  /** Distinct reports (reader, image) the clients made. */
  reportsSent: number;
  /** Report requests, retries after a 503 or a refused connection included. */
  requests: number;
  acknowledged: number;
  stored: number;
  shouldBlock: number;
  blocked: number;
  auditEvents: number;
  hung: number;
  /** 500s and other 5xx but 503, plus 503s without Retry-After. */
  errors500: number;
  crashes: number;
  /** What else the fault showed (status codes seen, /readyz during the fault). */
  notes: string;
}

declare module 'vitest' {
  interface TaskMeta {
    fault?: FaultRow;
  }
}

const COLUMNS: Array<[keyof FaultRow, string]> = [
  ['fault', 'fault'],
  ['reportsSent', 'sent'],
  ['requests', 'requests'],
  ['acknowledged', 'acked'],
  ['stored', 'stored'],
  ['shouldBlock', 'should block'],
  ['blocked', 'blocked'],
  ['auditEvents', 'audit'],
  ['hung', 'hung'],
  ['errors500', '500s'],
  ['crashes', 'crashes'],
  ['notes', 'notes'],
];

export default class FaultReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const rows: Array<FaultRow & { result: string }> = [];
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      const tests = [...module.children.allTests()];
      if (module.state() === 'failed' && tests.length === 0) failed++;
      for (const test of tests) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        if (state === 'skipped' || state === 'pending') continue;
        const row = test.meta().fault;
        if (row) rows.push({ ...row, result: state === 'passed' ? 'pass' : 'FAIL' });
      }
    }
    const header = ['result', ...COLUMNS.map(([, title]) => title)];
    const lines = rows.map((row) => [row.result, ...COLUMNS.map(([key]) => String(row[key]))]);
    const out = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((line) => `| ${line.join(' | ')} |`)];
    const skippedNote = skipped ? `, ${skipped} skipped` : '';
    process.stdout.write(`\n${out.join('\n')}\n\nfaults: ${passed} passed, ${failed} failed${skippedNote}\n`);
  }
}
