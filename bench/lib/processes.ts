/**
 * The processes `npm run bench` measures: imgmod's compiled entry (`node dist/src/main.js --role …`, as an
 * operator runs it, logging to a file) and the references in bench/reference/ (run with tsx). Each exposes its
 * CPU time and memory from /proc, so the bench can report CPU per request and resident memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { sparePort } from '../../test/helpers/own-servers.js';

const root = new URL('../../', import.meta.url).pathname;
/** Debian's jemalloc (package libjemalloc2), preloaded into the worker as the Docker image does, when present. */
export const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
/** jemalloc's settings in the Docker image: a background thread hands freed pages back while the process is idle. */
const MALLOC_CONF = 'background_thread:true';
/**
 * Node's flags for the worker: those `npm run start:worker` gives node (4 MB semi-spaces), read from package.json;
 * docker-compose.yml gives the same (test/deploy.test.ts).
 */
const WORKER_NODE_FLAGS = ((): string[] => {
  const words = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts[
    'start:worker'
  ]!.split(/\s+/);
  return words.slice(1, words.indexOf('dist/src/main.js'));
})();

export interface BenchProcess {
  name: string;
  child: ChildProcess;
  /** The HTTP port, for servers. */
  port: number | null;
  /** User + system CPU time so far, ms. */
  cpuMs(): number;
  /** Resident memory now and at its peak, MB. */
  memoryMb(): { rss: number; peak: number };
  /** SIGTERM, then SIGKILL after 10 s; resolves when it exited. */
  stop(): Promise<void>;
}

function procStat(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (CLK_TCK 100)
}

function procMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function until(check: () => boolean, what: string, child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (child.exitCode !== null) throw new Error(`${what} exited at start-up (code ${child.exitCode})`);
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function wrap(name: string, child: ChildProcess, port: number | null): BenchProcess {
  const pid = child.pid!;
  return {
    name,
    child,
    port,
    cpuMs: () => procStat(pid),
    memoryMb: () => procMemory(pid),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Starts `node dist/src/main.js --role <role>` with `env` (a worker with WORKER_NODE_FLAGS), its log appended to
 * `logFile`, and waits for its "API listening" or "workers started" line.
 * @param options.jemalloc preload JEMALLOC (when the file exists)
 */
export async function startImgmod(
  role: 'api' | 'worker',
  env: Record<string, string>,
  logFile: string,
  options: { jemalloc?: boolean } = {},
): Promise<BenchProcess> {
  const port = role === 'api' ? await sparePort() : null;
  const fd = openSync(logFile, 'a');
  const preload = options.jemalloc && existsSync(JEMALLOC) ? { LD_PRELOAD: JEMALLOC, MALLOC_CONF } : {};
  // BENCH_CPU_PROF=<dir>: each imgmod process writes a V8 CPU profile there when it exits
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const flags = role === 'worker' ? WORKER_NODE_FLAGS : [];
  const child = spawn(process.execPath, [...profile, ...flags, `${root}dist/src/main.js`, '--role', role], {
    env: { ...process.env, ...env, ...preload, HOST: '127.0.0.1', ...(port === null ? {} : { PORT: String(port) }) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const ready = role === 'api' ? '"API listening"' : '"workers started"';
  const seen = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes(ready)).length;
  const before = seen();
  await until(() => seen() > before, `imgmod --role ${role} (log: ${logFile})`, child);
  return wrap(`imgmod ${role}`, child, port);
}

/** Starts bench/reference/<script>.ts with `env` and waits for its `listening <port>` or `ready` line. */
export async function startReference(script: string, env: Record<string, string>): Promise<BenchProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${root}bench/reference/${script}.ts`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until(() => /^(listening \d+|ready)$/m.test(output), `reference ${script}`, child);
  const port = /listening (\d+)/.exec(output);
  return wrap(`reference ${script}`, child, port ? Number(port[1]) : null);
}
