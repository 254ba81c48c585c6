import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAs, startTestService, type TestService } from './helpers/test-service.js';

const tsx = new URL('../node_modules/.bin/tsx', import.meta.url).pathname;
const demo = new URL('../scripts/demo.ts', import.meta.url).pathname;

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

/** Runs `npm run demo`'s script against the test service; resolves with its exit code and output. */
function runDemo(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      [demo],
      {
        env: { ...process.env, IMGMOD_URL: service.baseUrl, JWT_SECRET: service.deps.config.JWT_SECRET, LOG_LEVEL: 'silent' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe('npm run demo', () => {
  it(
    'when run a third time after a moderator restored a copy, then it explains why the photo stays visible, with no stack trace',
    { timeout: 120_000 },
    async () => {
      const first = await runDemo();
      expect(first.code, first.output).toBe(0);
      expect(first.output).toMatch(/→ auto_blocked/);
      const second = await runDemo();
      expect(second.code, second.output).toBe(0);
      const blocked = /^block\s+(\S+) → auto_blocked/m.exec(second.output)![1]!;
      expect(first.output).toMatch(/^block\s+\S+ → auto_blocked \(score \d+\), seen \d+ ms after the third report$/m);
      // Blocked before the third report (a near-duplicate of the first run's photo): no latency is claimed for it.
      if (/^note\s+blocked before the third report/m.test(second.output)) {
        expect(second.output).toMatch(/^block\s+\S+ → auto_blocked \(score \d+\), before the third report$/m);
      } else {
        expect(second.output).toMatch(/^block\s+\S+ → auto_blocked \(score \d+\), seen \d+ ms after the third report$/m);
      }
      expect((await decideAs(service, blocked, 'restore')).status).toBe(200);
      const third = await runDemo();
      expect(third.code, third.output).toBe(0);
      expect(third.output).toMatch(/still visible: .* has score 0 after the three reports/);
      expect(third.output).toMatch(/RESTORED_THRESHOLD_FACTOR/);
      expect(third.output).not.toMatch(/\n\s+at |Error:/);
    },
  );

  it('when imgmod is not running, then one readable line and exit 1', async () => {
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(tsx, [demo], { env: { ...process.env, IMGMOD_URL: 'http://127.0.0.1:9' } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.output.trim()).toBe(
      'imgmod is not answering at http://127.0.0.1:9: start it with `npm start` first, or set IMGMOD_URL to where it runs.',
    );
  });
});
