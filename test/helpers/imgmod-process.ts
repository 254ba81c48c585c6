/**
 * imgmod as an operator runs it: the compiled entry (`node dist/src/main.js --role …`) in a child process,
 * so signals reach imgmod itself. test/helpers/global-setup.ts compiles it when src/ is newer than dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { sparePort } from './own-servers.js';
import { waitFor } from './test-service.js';

/** IMGMOD_ENTRY runs another build (an older release, to show a test fails there). */
const entry = process.env.IMGMOD_ENTRY ?? new URL('../../dist/src/main.js', import.meta.url).pathname;

export interface ImgmodProcess {
  child: ChildProcess;
  role: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Its JSON log lines so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** The port the API listens on (roles api and all). */
  port: number | null;
  /** Resolves with the exit code (or the signal name) when it ends. */
  exited: Promise<number | string>;
  /** True while the process runs. */
  alive(): boolean;
}

/**
 * Spawns `node dist/src/main.js --role <role>` with `env` on top of the current environment and waits until
 * it says it listens (api, all) or its workers started (worker).
 */
export async function spawnImgmod(
  role: 'api' | 'worker' | 'all',
  env: Record<string, string>,
  args: string[] = [],
): Promise<ImgmodProcess> {
  const port = env.PORT ? Number(env.PORT) : role === 'worker' ? null : await sparePort();
  const child = spawn(process.execPath, [entry, '--role', role, ...args], {
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      // Load tests auto-block a burst of images of the first-party site; the circuit breaker has its own tests.
      SITE_BREAKER_FLOOR: '100000',
      ...(port === null ? {} : { PORT: String(port) }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  const logs = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const ready = role === 'worker' ? 'workers started' : 'API listening';
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  try {
    await waitFor(async () => {
      if (exitedEarly) throw new Error(`imgmod --role ${role} exited at start-up:\n${output}`);
      return Promise.resolve(logs().some((line) => line.msg === ready));
    }, 90_000);
  } catch (error) {
    child.kill('SIGKILL'); // never leave a half-started process behind
    throw error;
  }
  return {
    child,
    role,
    output: () => output,
    logs,
    port,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

/**
 * Runs the compiled entry with `args` and `env` (on top of the current environment) until it exits, for start-ups
 * that must fail. A process still running after `timeoutMs` is killed and the call rejects, so a start-up that
 * hangs instead of failing fails the test.
 * @returns the exit code, stdout, stderr and how long it ran (ms)
 */
export async function runUntilDone(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [entry, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  if (code === null) throw new Error(`imgmod ${args.join(' ')} did not exit within ${timeoutMs} ms (${signal}):\n${stdout}${stderr}`);
  return { code, stdout, stderr, ms: Date.now() - started };
}
