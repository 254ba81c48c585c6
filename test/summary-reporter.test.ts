import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('when a suite fails to run, then the closing line counts it as failed and names it', async () => {
  const run = await promisify(execFile)(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--root', 'test/fixtures/reporter-suite'],
    { env: { ...process.env, CI: 'true' } },
  )
    .then(() => ({ code: 0, stdout: '' }))
    .catch((error: { code: number; stdout: string }) => error);
  expect(run.code).toBe(1);
  expect(run.stdout).toContain(
    'suite failed to run: test/fixtures/reporter-suite/broken.suite.ts: the service this suite needs is missing',
  );
  expect(run.stdout.trim().split('\n').at(-1)).toBe('tests: 1 passed, 1 failed, 2 skipped');
}, 60_000);
