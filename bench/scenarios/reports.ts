/**
 * Report scenarios of `npm run bench`: ingestion of new and duplicate reports (closed loop, 50 connections), with
 * the worker evaluating on the same cores and with the API alone (the reference evaluates nothing), latency at a
 * fixed rate (open loop), the time from the report that crosses the threshold to the auto-block,
 * 2 API + 2 worker processes, and the exactly-once check. Each against the references in bench/reference/,
 * in interleaved pairs (A B, then B A), medians over the rounds.
 */
import { closedLoop, openLoop, type LoadResult, type RequestSpec } from '../lib/load.js';
import { mintReaders, ratio, seedImages, seedReferenceImages, type BenchContext } from '../lib/context.js';
import { startImgmod, startReference, type BenchProcess } from '../lib/processes.js';
import { median, percentile } from '../lib/stats.js';

const CONNECTIONS = 50;
/** Highest report rate a closed-loop run is expected to reach; sizes the tokens minted per run. */
const MAX_RATE = 3000;
const OPEN_RATE = 300;
const CROSSING_RATE = 200;
const THRESHOLD_READERS = 3;

interface System {
  name: string;
  base: URL;
  /** Processes whose CPU time counts for this system. */
  processes: BenchProcess[];
  images: string[];
  /** Pairs answered 202 in the last new-report run, for the duplicate run. */
  stored: Array<{ imageId: string; token: string }>;
}

function reportSpec(imageId: string, token: string): RequestSpec {
  return {
    method: 'POST',
    path: `/v1/images/${imageId}/reports`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{"reason":"spam"}',
  };
}

const cpu = (system: System) => system.processes.reduce((sum, process) => sum + process.cpuMs(), 0);

/** One run of new reports on `system`; records what was stored for the duplicate run and the exactly-once check. */
async function newReports(
  context: BenchContext,
  system: System,
  mode: { connections: number } | { rate: number },
  minted?: Array<{ reader: string; token: string }>,
): Promise<LoadResult & { cpuPerReportMs: number; cpuByProcess: Record<string, number>; drainMs: number }> {
  const capacity = 'rate' in mode ? Math.ceil((mode.rate * context.runMs) / 1000) : Math.ceil((MAX_RATE * context.runMs) / 1000);
  const readers = minted ?? (await mintReaders(context.jwtSecret, capacity));
  const offset = Math.floor(Math.random() * system.images.length);
  const pairOf = (index: number) => ({
    imageId: system.images[(offset + index) % system.images.length]!,
    ...readers[index % readers.length]!,
  });
  const next = (index: number) => {
    const pair = pairOf(index);
    return reportSpec(pair.imageId, pair.token);
  };
  const cpuBefore = cpu(system);
  const eachBefore = system.processes.map((process) => process.cpuMs());
  const result =
    'rate' in mode
      ? await openLoop(system.base, { ratePerSecond: mode.rate, durationMs: context.runMs, next })
      : await closedLoop(system.base, { connections: mode.connections, durationMs: context.runMs, next });
  const cpuMs = cpu(system) - cpuBefore;
  // The worker's evaluations that lag behind the load finish before the next run, so they do not slow the reference
  // down (imgmod's gain); how long they took is reported.
  const drainStarted = performance.now();
  if (system.processes.includes(context.worker)) await outboxDrained(context);
  const drainMs = performance.now() - drainStarted;
  const answered = Math.max(1, result.answered.length);
  // By process, with the evaluations' catch-up after the load (cpuPerReportMs: during the load only).
  const cpuByProcess = Object.fromEntries(
    system.processes.map((process, i) => [process.name, (process.cpuMs() - eachBefore[i]!) / answered]),
  );
  system.stored = [];
  for (const { index, status } of result.answered) {
    if (status !== 202) continue;
    const pair = pairOf(index);
    system.stored.push({ imageId: pair.imageId, token: pair.token });
    if (system.name === 'imgmod') context.acknowledged.add(`${pair.imageId}/${pair.reader}`);
  }
  return { ...result, cpuPerReportMs: cpuMs / answered, cpuByProcess, drainMs };
}

async function duplicateReports(context: BenchContext, system: System): Promise<LoadResult> {
  const pairs = system.stored;
  return closedLoop(system.base, {
    connections: CONNECTIONS,
    durationMs: context.runMs,
    next: (index) => reportSpec(pairs[index % pairs.length]!.imageId, pairs[index % pairs.length]!.token),
  });
}

/** Runs `measure` for each system in `systems`, `rounds` times, alternating the order (A B, B A, …). */
async function interleaved<T>(
  context: BenchContext,
  systems: System[],
  measure: (system: System) => Promise<T>,
): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(systems.map((system) => [system.name, []]));
  for (let round = 0; round < context.rounds; round++) {
    const order = round % 2 ? [...systems].reverse() : systems;
    for (const system of order) results.get(system.name)!.push(await measure(system));
  }
  return results;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const statusSummary = (runs: LoadResult[]) => {
  const total: Record<number, number> = {};
  for (const run of runs) for (const [status, n] of Object.entries(run.statuses)) total[Number(status)] = (total[Number(status)] ?? 0) + n;
  return total;
};

/** Throughput, p99 and CPU per report of new reports; then duplicates; then the open loop. */
export async function ingestion(context: BenchContext, imgmodImages: string[]): Promise<void> {
  const env = { DATABASE_URL: context.databaseUrl, JWT_SECRET: context.jwtSecret, QUEUE_PREFIX: `${context.imgmodEnv.QUEUE_PREFIX}-ref` };
  const transaction = await startReference('report-server', { ...env, REF_MODE: 'transaction' });
  const statement = await startReference('report-server', { ...env, REF_MODE: 'statement' });
  try {
    const refImages = await seedReferenceImages(context.pool, imgmodImages.length);
    const systems: System[] = [
      {
        name: 'imgmod',
        base: new URL(`http://127.0.0.1:${context.api.port}`),
        processes: [context.api, context.worker],
        images: imgmodImages,
        stored: [],
      },
      {
        name: 'one transaction',
        base: new URL(`http://127.0.0.1:${transaction.port}`),
        processes: [transaction],
        images: refImages,
        stored: [],
      },
      { name: 'one statement', base: new URL(`http://127.0.0.1:${statement.port}`), processes: [statement], images: refImages, stored: [] },
    ];
    context.log('reports: new, closed loop');
    const fresh = await interleaved(context, systems, (system) => newReports(context, system, { connections: CONNECTIONS }));
    const rate = (name: string) => median(fresh.get(name)!.map((run) => run.okPerSecond));
    const p99 = (name: string) => median(fresh.get(name)!.map((run) => percentile(run.latenciesMs, 99)));
    const cpuEach = (name: string) => median(fresh.get(name)!.map((run) => run.cpuPerReportMs));
    context.rows.push({
      measure: `new reports, unique readers, ${CONNECTIONS} connections (worker running)`,
      imgmod: `${fmt(rate('imgmod'))} req/s, p99 ${fmt(p99('imgmod'))} ms, ${fmt(cpuEach('imgmod'), 2)} ms CPU each; evaluations done ${fmt(median(fresh.get('imgmod')!.map((run) => run.drainMs)) / 1000, 1)} s after the load`,
      reference: `one transaction: ${fmt(rate('one transaction'))} req/s, p99 ${fmt(p99('one transaction'))} ms, ${fmt(cpuEach('one transaction'), 2)} ms CPU; one statement: ${fmt(rate('one statement'))} req/s`,
      ratio: ratio(rate('imgmod'), rate('one transaction')),
      target: '≥ 1.0× one transaction (stretch: ≥ 1.0× one statement)',
      met: (ratio(rate('imgmod'), rate('one transaction')) ?? 0) >= 1,
      data: {
        reqPerSecond: Object.fromEntries(systems.map((s) => [s.name, fresh.get(s.name)!.map((run) => run.okPerSecond)])),
        p99Ms: Object.fromEntries(systems.map((s) => [s.name, p99(s.name)])),
        cpuPerReportMs: Object.fromEntries(systems.map((s) => [s.name, cpuEach(s.name)])),
        cpuByProcess: fresh.get('imgmod')!.map((run) => run.cpuByProcess),
        drainMs: fresh.get('imgmod')!.map((run) => run.drainMs),
        statuses: Object.fromEntries(systems.map((s) => [s.name, statusSummary(fresh.get(s.name)!)])),
        ratioToStatement: ratio(rate('imgmod'), rate('one statement')),
      },
    });

    context.log('reports: duplicates, closed loop');
    const pair = systems.slice(0, 2);
    const duplicates = await interleaved(context, pair, (system) => duplicateReports(context, system));
    const dupRate = (name: string) => median(duplicates.get(name)!.map((run) => run.okPerSecond));
    context.rows.push({
      measure: `duplicate reports, ${CONNECTIONS} connections`,
      imgmod: `${fmt(dupRate('imgmod'))} req/s (${fmt(dupRate('imgmod') / rate('imgmod'), 2)}× its new reports)`,
      reference: `${fmt(dupRate('one transaction'))} req/s`,
      ratio: ratio(dupRate('imgmod'), dupRate('one transaction')),
      target: 'duplicates ≥ 1.5× new reports',
      met: dupRate('imgmod') >= 1.5 * rate('imgmod'),
      data: {
        reqPerSecond: Object.fromEntries(pair.map((s) => [s.name, duplicates.get(s.name)!.map((run) => run.okPerSecond)])),
        statuses: statusSummary(duplicates.get('imgmod')!),
      },
    });

    context.log(`reports: open loop, ${OPEN_RATE}/s`);
    const open = await interleaved(context, pair, (system) => newReports(context, system, { rate: OPEN_RATE }));
    const openP = (name: string, p: number) => median(open.get(name)!.map((run) => percentile(run.latenciesMs, p)));
    context.rows.push({
      measure: `open loop, ${OPEN_RATE} new reports/s`,
      imgmod: `p50 ${fmt(openP('imgmod', 50), 1)} ms, p99 ${fmt(openP('imgmod', 99), 1)} ms`,
      reference: `p50 ${fmt(openP('one transaction', 50), 1)} ms, p99 ${fmt(openP('one transaction', 99), 1)} ms`,
      ratio: ratio(openP('one transaction', 99), openP('imgmod', 99)),
      target: 'p99 < 100 ms',
      met: openP('imgmod', 99) < 100,
      data: {
        p50Ms: Object.fromEntries(pair.map((s) => [s.name, openP(s.name, 50)])),
        p99Ms: Object.fromEntries(pair.map((s) => [s.name, openP(s.name, 99)])),
        statuses: statusSummary(open.get('imgmod')!),
      },
    });

    // The reference evaluates nothing: the same comparison with imgmod's API alone, as when workers run elsewhere.
    context.log('reports: new, closed loop, API alone (worker stopped)');
    const apiAlone: System = { ...systems[0]!, processes: [context.api] };
    const alone = await withoutWorker(context, () =>
      interleaved(context, [apiAlone, systems[1]!], (system) => newReports(context, system, { connections: CONNECTIONS })),
    );
    const aloneRate = (name: string) => median(alone.get(name)!.map((run) => run.okPerSecond));
    const aloneP99 = (name: string) => median(alone.get(name)!.map((run) => percentile(run.latenciesMs, 99)));
    const aloneCpu = (name: string) => median(alone.get(name)!.map((run) => run.cpuPerReportMs));
    context.rows.push({
      measure: `new reports, API alone (worker stopped, as with workers on other machines), ${CONNECTIONS} connections`,
      imgmod: `${fmt(aloneRate('imgmod'))} req/s, p99 ${fmt(aloneP99('imgmod'))} ms, ${fmt(aloneCpu('imgmod'), 2)} ms CPU each`,
      reference: `one transaction: ${fmt(aloneRate('one transaction'))} req/s, p99 ${fmt(aloneP99('one transaction'))} ms, ${fmt(aloneCpu('one transaction'), 2)} ms CPU`,
      ratio: ratio(aloneRate('imgmod'), aloneRate('one transaction')),
      target: '≥ 1.0× one transaction',
      met: (ratio(aloneRate('imgmod'), aloneRate('one transaction')) ?? 0) >= 1,
      data: {
        reqPerSecond: Object.fromEntries(
          ['imgmod', 'one transaction'].map((name) => [name, alone.get(name)!.map((run) => run.okPerSecond)]),
        ),
        cpuPerReportMs: { imgmod: aloneCpu('imgmod'), 'one transaction': aloneCpu('one transaction') },
        statuses: statusSummary(alone.get('imgmod')!),
      },
    });
  } finally {
    await Promise.all([transaction.stop(), statement.stop()]);
  }
}

/**
 * Runs `measure` with imgmod's worker stopped, then starts a new one (context.worker) as run.ts did and waits until
 * it has evaluated what was reported meanwhile, so the next scenario starts without that backlog.
 */
async function withoutWorker<T>(context: BenchContext, measure: () => Promise<T>): Promise<T> {
  await context.worker.stop();
  try {
    return await measure();
  } finally {
    const env = { ...context.imgmodEnv, METRICS_PORT: new URL(context.workerMetricsUrl).port };
    context.worker = await startImgmod('worker', env, context.logFile, { jemalloc: true });
    await outboxDrained(context, 120_000);
  }
}

/**
 * Reports at CROSSING_RATE per second in threes: each fresh image gets THRESHOLD_READERS reports from distinct
 * readers, the last of which crosses the threshold. The clock runs from that report's answer until the image is
 * seen blocked in PostgreSQL (polled every 5 ms).
 */
/** Waits (at most `limitMs`) until imgmod's outbox is empty: the evaluations earlier load left behind are done. */
async function outboxDrained(context: BenchContext, limitMs = 60_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    const open = await context.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE done_at IS NULL');
    if (open.rows[0]!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function crossingRun(context: BenchContext, system: CrossingSystem, statuses: Record<number, number>): Promise<number[]> {
  // The latency at 200 reports/s, not behind the backlog the earlier scenarios left.
  await outboxDrained(context);
  const images = await system.seed();
  const readers = await mintReaders(context.jwtSecret, images.length * THRESHOLD_READERS);
  const answeredAt = new Map<string, number>();
  const blockedAt = new Map<string, number>();
  const acceptances = new Map<string, number>();
  let running = true;
  const poller = (async () => {
    while (running) {
      const waiting = [...answeredAt.keys()].filter((id) => !blockedAt.has(id));
      if (waiting.length > 0) {
        const result = await context.pool.query<{ id: string }>(
          `SELECT id FROM ${system.table} WHERE id = ANY($1) AND status = 'auto_blocked'`,
          [waiting],
        );
        const now = performance.now();
        for (const { id } of result.rows) blockedAt.set(id, now);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  await openLoop(system.base, {
    ratePerSecond: CROSSING_RATE,
    durationMs: context.runMs,
    next: (index) => reportSpec(images[Math.floor(index / THRESHOLD_READERS)]!, readers[index]!.token),
    onAnswer: (index, status, at) => {
      const imageId = images[Math.floor(index / THRESHOLD_READERS)]!;
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status !== 202) return;
      if (system.name === 'imgmod') context.acknowledged.add(`${imageId}/${readers[index]!.reader}`);
      // the clock starts at the last of the image's three acceptances (answers can arrive out of order)
      const accepted = (acceptances.get(imageId) ?? 0) + 1;
      acceptances.set(imageId, accepted);
      if (accepted === THRESHOLD_READERS) answeredAt.set(imageId, at);
    },
  });
  const giveUp = performance.now() + 30_000;
  while ([...answeredAt.keys()].some((id) => !blockedAt.has(id)) && performance.now() < giveUp)
    await new Promise((resolve) => setTimeout(resolve, 20));
  running = false;
  await poller;
  return [...answeredAt].map(([id, at]) => Math.max(0, (blockedAt.get(id) ?? Number.POSITIVE_INFINITY) - at)).sort((a, b) => a - b);
}

interface CrossingSystem {
  name: string;
  base: URL;
  table: 'images' | 'ref_images';
  seed: () => Promise<string[]>;
}

/** Crossing report → auto_blocked at CROSSING_RATE reports/s, imgmod against the reference evaluator. */
export async function crossing(context: BenchContext, sourceImageId: string): Promise<void> {
  const env = { DATABASE_URL: context.databaseUrl, JWT_SECRET: context.jwtSecret, QUEUE_PREFIX: `${context.imgmodEnv.QUEUE_PREFIX}-ref` };
  const server = await startReference('report-server', { ...env, REF_MODE: 'transaction', REF_EVALUATE: '1' });
  const evaluator = await startReference('evaluator', env);
  const perRun = Math.ceil((CROSSING_RATE * context.runMs) / 1000 / THRESHOLD_READERS) + 1;
  try {
    const systems: CrossingSystem[] = [
      {
        name: 'imgmod',
        base: new URL(`http://127.0.0.1:${context.api.port}`),
        table: 'images',
        seed: () => seedImages(context.pool, sourceImageId, perRun),
      },
      {
        name: 'reference',
        base: new URL(`http://127.0.0.1:${server.port}`),
        table: 'ref_images',
        seed: () => seedReferenceImages(context.pool, perRun),
      },
    ];
    context.log(`crossing report → auto_blocked at ${CROSSING_RATE} reports/s`);
    const runs = new Map<string, number[][]>(systems.map((system) => [system.name, []]));
    const statuses: Record<string, Record<number, number>> = { imgmod: {}, reference: {} };
    for (let round = 0; round < context.rounds; round++) {
      for (const system of round % 2 ? [...systems].reverse() : systems) {
        runs.get(system.name)!.push(await crossingRun(context, system, statuses[system.name]!));
      }
    }
    const p = (name: string, q: number) => median(runs.get(name)!.map((latencies) => percentile(latencies, q)));
    const missing = runs
      .get('imgmod')!
      .flat()
      .filter((ms) => !Number.isFinite(ms)).length;
    context.rows.push({
      measure: `crossing report → auto_blocked, ${CROSSING_RATE} reports/s`,
      imgmod: `p50 ${fmt(p('imgmod', 50), 1)} ms, p99 ${fmt(p('imgmod', 99), 1)} ms${missing ? ` (${missing} not blocked within 30 s)` : ''}`,
      reference: `p50 ${fmt(p('reference', 50), 1)} ms, p99 ${fmt(p('reference', 99), 1)} ms`,
      ratio: ratio(p('reference', 99), p('imgmod', 99)),
      target: 'p99 < 100 ms (stretch: < 50 ms)',
      met: p('imgmod', 99) < 100,
      data: {
        p50Ms: Object.fromEntries(systems.map((s) => [s.name, p(s.name, 50)])),
        p99Ms: Object.fromEntries(systems.map((s) => [s.name, p(s.name, 99)])),
        crossings: runs.get('imgmod')!.map((latencies) => latencies.length),
        statuses,
        notBlocked: missing,
      },
    });
  } finally {
    await Promise.all([server.stop(), evaluator.stop()]);
  }
}

/**
 * 2 API + 2 worker processes against 1 + 1: new reports over 50 connections split between the two APIs,
 * rounds alternating; the extra processes are started for the 2 + 2 runs and stopped after.
 */
export async function scaleOut(context: BenchContext, images: string[]): Promise<void> {
  context.log('scale-out: 1 API + 1 worker, then 2 + 2');
  const one = new URL(`http://127.0.0.1:${context.api.port}`);
  const single: number[] = [];
  const double: number[] = [];
  for (let round = 0; round < context.rounds; round++) {
    const systemOne: System = { name: 'imgmod', base: one, processes: [context.api, context.worker], images, stored: [] };
    single.push((await newReports(context, systemOne, { connections: CONNECTIONS })).okPerSecond);
    const api2 = await startImgmod('api', context.imgmodEnv, context.logFile);
    const worker2 = await startImgmod('worker', context.imgmodEnv, context.logFile);
    try {
      const two = new URL(`http://127.0.0.1:${api2.port}`);
      const half = (base: URL): System => ({ name: 'imgmod', base, processes: [], images, stored: [] });
      await closedLoop(two, { connections: 4, durationMs: 1000, next: () => ({ method: 'GET', path: '/healthz' }) }); // warm up
      // Tokens first, then both halves start together.
      const capacity = Math.ceil((MAX_RATE * context.runMs) / 1000);
      const minted = [await mintReaders(context.jwtSecret, capacity), await mintReaders(context.jwtSecret, capacity)];
      const halves = await Promise.all(
        [one, two].map((base, i) => newReports(context, half(base), { connections: CONNECTIONS / 2 }, minted[i])),
      );
      double.push(halves.reduce((sum, result) => sum + result.okPerSecond, 0));
    } finally {
      await Promise.all([api2.stop(), worker2.stop()]);
    }
  }
  context.rows.push({
    measure: `scale-out: new reports, 2 API + 2 worker processes`,
    imgmod: `${fmt(median(double))} req/s`,
    reference: `1 API + 1 worker: ${fmt(median(single))} req/s`,
    ratio: ratio(median(double), median(single)),
    target: '',
    met: null,
    data: { single, double },
  });
}

/**
 * After the load: every report imgmod answered 202 is stored once (no loss, no double count), and once the
 * outbox is drained each auto_blocked image has exactly one `auto_block` audit event.
 */
export async function exactlyOnce(context: BenchContext): Promise<void> {
  context.log('exactly-once check (waiting for the outbox to drain)');
  await outboxDrained(context, 120_000);
  const stored = await context.pool.query<{ key: string; n: number }>(
    `SELECT image_id || '/' || reporter_id AS key, count(*)::int AS n FROM reports WHERE reporter_id LIKE 'bench-reader-%' GROUP BY 1`,
  );
  const counts = new Map(stored.rows.map((row) => [row.key, row.n]));
  const lost = [...context.acknowledged].filter((key) => !counts.has(key)).length;
  const doubled = stored.rows.filter((row) => row.n > 1).length;
  const unacknowledged = stored.rows.filter((row) => !context.acknowledged.has(row.key)).length;
  const events = await context.pool.query<{ blocked: number; wrong: number; pending: number }>(
    `SELECT count(*) FILTER (WHERE i.status = 'auto_blocked')::int AS blocked,
            count(*) FILTER (WHERE i.status = 'auto_blocked' AND e.n IS DISTINCT FROM 1)::int AS wrong,
            (SELECT count(*)::int FROM outbox WHERE done_at IS NULL) AS pending
       FROM images i LEFT JOIN (SELECT image_id, count(*)::int AS n FROM moderation_events WHERE action = 'auto_block' GROUP BY image_id) e
         ON e.image_id = i.id`,
  );
  const { blocked, wrong, pending } = events.rows[0]!;
  const ok = lost === 0 && doubled === 0 && unacknowledged === 0 && wrong === 0;
  context.rows.push({
    measure: 'exactly once, after the load',
    imgmod: `${context.acknowledged.size} reports answered 202, ${stored.rows.length} stored: ${lost} lost, ${doubled} stored twice, ${unacknowledged} stored without a 202; ${blocked} images auto-blocked, ${wrong} without exactly one auto_block event; ${pending} outbox rows open`,
    reference: '',
    ratio: null,
    target: 'stored = 202 answers; one auto_block event per blocked image',
    met: ok,
    data: { acknowledged: context.acknowledged.size, stored: stored.rows.length, lost, doubled, unacknowledged, blocked, wrong, pending },
  });
}
