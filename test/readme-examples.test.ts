import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './helpers/test-service.js';
import { sparePort } from './helpers/own-servers.js';

const root = new URL('../', import.meta.url).pathname;
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
/** README's curl walk-through: the sh block that uploads and reports a photo. */
const example = /```sh\n(export PORT[\s\S]*?--fail-with-body[\s\S]*?)```/.exec(readme)![1]!;

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: false });
});
afterAll(() => service.close());

function run(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', example], { cwd: root, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("README's curl examples", () => {
  it('when imgmod runs on $PORT, then the photo is uploaded and reported', async () => {
    const port = new URL(service.baseUrl).port;
    const result = await run({ PORT: port, JWT_SECRET: service.deps.config.JWT_SECRET });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^\{"reportId":"[0-9a-f-]{36}","duplicate":false\}\n$/);
    expect(result.code).toBe(0);
  });

  it('when nothing answers on $PORT or the token is refused, then it stops with a readable message and sends no report', async () => {
    const dead = await run({ PORT: String(await sparePort()), JWT_SECRET: service.deps.config.JWT_SECRET });
    expect(dead.code).not.toBe(0);
    expect(dead.stderr).toMatch(/^upload failed: curl: \(7\) Failed to connect/);
    const refused = await run({ PORT: new URL(service.baseUrl).port, JWT_SECRET: 'not-the-secret-0123456789abcdef' });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^upload failed: .*401[\s\S]*"code":"unauthorized"/);
    expect(refused.stdout).toBe('');
  });
});
