/**
 * `npm run bench` (`-- --quick` for a run under 3 minutes, without the scale-out runs; `-- --only reports,serving` for some scenarios):
 * imgmod against references doing the same work, measured side by side in one run on this machine. It starts
 * what it needs on loopback: a throw-away database and queue prefix, imgmod's compiled API and worker (the
 * worker with jemalloc, as in the Docker image), and the references in bench/reference/. Each comparison runs
 * in interleaved pairs and reports medians. Writes bench/results/latest.json and latest.md and prints the table.
 * Targets come from the performance issue; read the ratios, not the absolute figures, on a shared machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { signToken } from '../src/auth/tokens.js';
import { mintReaders, seedImages, type BenchContext, type ResultRow } from './lib/context.js';
import { send } from './lib/load.js';
import { startImgmod } from './lib/processes.js';
import { sparePort } from '../test/helpers/own-servers.js';
import { crossing, exactlyOnce, ingestion, scaleOut } from './scenarios/reports.js';
import { derivatives, uploadIntake, workerMemory } from './scenarios/media.js';
import { serving } from './scenarios/serving.js';
import http from 'node:http';
import { readFile } from 'node:fs/promises';

const SCENARIOS = ['reports', 'crossing', 'serving', 'derivatives', 'uploads', 'memory', 'scale-out'] as const;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg =
  args.find((arg) => arg.startsWith('--only'))?.split('=')[1] ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined);
// --quick leaves out the scale-out runs (no target; about 45 s) unless --only names them.
const only = new Set(onlyArg ? onlyArg.split(',') : SCENARIOS.filter((scenario) => !quick || scenario !== 'scale-out'));
const server = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
const root = new URL('../', import.meta.url).pathname;
const started = Date.now();
const log = (message: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

log('compiling (tsc -b tsconfig.build.json)');
execFileSync(join(root, 'node_modules/.bin/tsc'), ['-b', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

const name = `imgmod_bench_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: `${server}/postgres` });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const tmpDir = await mkdtemp(join(tmpdir(), 'imgmod-bench-'));
const jwtSecret = `bench-${Date.now()}-a-secret-of-at-least-32-characters`;
const databaseUrl = `${server}/${name}`;
const imgmodEnv = {
  DATABASE_URL: databaseUrl,
  QUEUE_PREFIX: name,
  DATA_DIR: join(tmpDir, 'data'),
  JWT_SECRET: jwtSecret,
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  // Thousands of images are auto-blocked on one site in minutes: the site's circuit breaker would rightly hold them.
  SITE_BREAKER_FLOOR: '1000000',
};
const logFile = join(tmpDir, 'imgmod.log');
log(`database ${name}; imgmod's logs in ${logFile}`);
const api = await startImgmod('api', imgmodEnv, logFile);
const workerMetricsPort = await sparePort();
const worker = await startImgmod('worker', { ...imgmodEnv, METRICS_PORT: String(workerMetricsPort) }, logFile, { jemalloc: true });
const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
// A connection PostgreSQL ends (a restart, another tool terminating backends) is replaced at the next query, not a crash.
pool.on('error', (error) => console.error(`bench pool: ${error.message}`));
const context: BenchContext = {
  quick,
  rounds: quick ? 2 : 3,
  runMs: quick ? 2000 : 8000,
  databaseUrl,
  imgmodEnv,
  logFile,
  tmpDir,
  api,
  worker,
  workerMetricsUrl: `http://127.0.0.1:${workerMetricsPort}/metrics`,
  pool,
  jwtSecret,
  rows: [] as ResultRow[],
  acknowledged: new Set(),
  log,
};

/** Uploads one photo through the API and waits until it is visible: the source of every seeded image. */
async function sourceImage(token: string): Promise<string> {
  const bytes = await readFile(new URL('../demo/photos/park-walk.jpg', import.meta.url));
  const boundary = 'benchsource';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="park-walk.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const agent = new http.Agent();
  const answer = await send(new URL(`http://127.0.0.1:${api.port}`), agent, {
    method: 'POST',
    path: '/v1/images',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  });
  agent.destroy();
  if (answer.status !== 201) throw new Error(`upload answered ${answer.status}: ${answer.body.toString()}`);
  const { id } = JSON.parse(answer.body.toString()) as { id: string };
  for (let waited = 0; ; waited += 100) {
    const row = await pool.query<{ status: string }>('SELECT status FROM images WHERE id = $1', [id]);
    if (row.rows[0]?.status === 'visible') return id;
    if (waited > 60_000) throw new Error(`the source image is still ${row.rows[0]?.status} after a minute`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function table(rows: ResultRow[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = ['| measure | imgmod | reference, same run | ratio | target | met |', '|---|---|---|---|---|---|'];
  for (const row of rows) {
    const met = row.met === null ? '' : row.met ? 'yes' : '**no**';
    lines.push(
      `| ${cell(row.measure)} | ${cell(row.imgmod)} | ${cell(row.reference)} | ${row.ratio === null ? '' : `${row.ratio}×`} | ${cell(row.target)} | ${met} |`,
    );
  }
  return lines.join('\n');
}

try {
  const uploader = await signToken(jwtSecret, { sub: 'bench-uploader', role: 'reader' });
  const source = await sourceImage(uploader);
  await mintReaders(jwtSecret, 1); // warm the signer
  if (only.has('reports') || only.has('scale-out')) {
    const images = await seedImages(pool, source, quick ? 2000 : 4000);
    if (only.has('reports')) await ingestion(context, images);
    if (only.has('scale-out')) await scaleOut(context, images);
  }
  if (only.has('crossing')) await crossing(context, source);
  if (only.has('serving')) await serving(context, source, (await seedImages(pool, source, 1, 'blocked'))[0]!);
  if (only.has('derivatives')) await derivatives(context);
  if (only.has('uploads')) await uploadIntake(context, uploader, server);
  if (only.has('memory')) await workerMemory(context, uploader);
  if (context.acknowledged.size > 0) await exactlyOnce(context);
} finally {
  // context.worker: the reports scenario replaces the worker it stops for a while
  await Promise.all([context.api.stop(), context.worker.stop()]);
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  // BENCH_KEEP_LOGS=1 keeps imgmod's logs (and its stored files) for a look after the run.
  if (!process.env.BENCH_KEEP_LOGS) await rm(tmpDir, { recursive: true, force: true });
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}`;
const markdown = `${table(context.rows)}\n\n${quick ? 'Quick run' : 'Full run'} (${context.rounds} interleaved rounds of ${context.runMs / 1000} s) on ${machine}.\n`;
const results = new URL('results/', import.meta.url);
await mkdir(results, { recursive: true });
await writeFile(
  new URL('latest.json', results),
  `${JSON.stringify({ machine, quick, rounds: context.rounds, runMs: context.runMs, rows: context.rows }, null, 2)}\n`,
);
await writeFile(new URL('latest.md', results), markdown);
console.log(`\n${markdown}`);
log(`done; bench/results/latest.json and latest.md written`);
