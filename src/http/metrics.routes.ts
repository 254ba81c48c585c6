/**
 * GET /metrics in Prometheus text format (prom-client): this process's request durations and event counters
 * (src/metrics.ts), and cluster-wide gauges, so any one API process reports the whole deployment:
 * - from PostgreSQL (images per status, outbox backlog and its oldest row's age, overdue reviews, open
 *   appeals): read in the background every METRICS_REFRESH_MS, never per scrape, so a scrape costs no query;
 * - from Redis (jobs per queue and state, workers per queue): read at scrape time, bounded by QUEUE_PROBE_MS (2 s).
 * A gauge whose source does not answer keeps its last value (PostgreSQL) or is left out (Redis) rather than
 * failing the scrape: an outage is when the rest matters most. METRICS_TOKEN makes the route require a bearer
 * token; METRICS_PORT moves it to a listener of its own (metricsApp).
 */
import { timingSafeEqual } from 'node:crypto';
import express, { Router, type Express, type RequestHandler } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../config.js';
import { allQueues, type Deps } from '../deps.js';
import { countImagesByStatus, countOpenAppeals, countOverdueReviews, outboxBacklog } from '../db/metrics.repository.js';
import { AppError } from '../errors.js';
import { bearerToken } from './middleware/auth.js';
import { eventRegistry } from '../metrics.js';
import { outageLog } from '../outage-log.js';
import { withTimeout } from '../timeout.js';

/** How long a scrape waits for Redis's job counts, in ms. */
const QUEUE_PROBE_MS = 2_000;

export interface Metrics {
  registry: Registry;
  /** Middleware that times every request by method, matched route and status. */
  timeRequests: RequestHandler;
  /** Reads the PostgreSQL gauges now (also done every METRICS_REFRESH_MS); resolves when done. */
  refresh(): Promise<void>;
  /** Stops the background refresh (it also stops by itself once the pool has ended). */
  stop(): void;
}

/** The gauges read from PostgreSQL, and a refresh that sets them all. */
function sqlGauges(registry: Registry, deps: Pick<Deps, 'pool' | 'config' | 'logger'>): () => Promise<void> {
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const images = gauge('imgmod_images', 'Images per status', ['status']);
  const pending = gauge('imgmod_outbox_pending', 'Outbox rows whose job has not run yet (grows while Redis or the workers are down)');
  const oldest = gauge('imgmod_outbox_oldest_pending_age_seconds', 'Age of the oldest outbox row whose job has not run yet (0 when none)');
  const overdue = gauge('imgmod_reviews_overdue', 'Auto-blocked images not reviewed within REVIEW_DEADLINE');
  const appeals = gauge('imgmod_appeals_open', 'Appeals no decision answered yet');
  const refreshed = gauge(
    'imgmod_metrics_refreshed_timestamp_seconds',
    'When the gauges read from PostgreSQL were last refreshed (Unix time)',
  );
  const postgres = outageLog(deps.logger, 'PostgreSQL');
  return async () => {
    try {
      const [byStatus, backlog, overdueCount, appealCount] = await Promise.all([
        countImagesByStatus(deps.pool),
        outboxBacklog(deps.pool),
        countOverdueReviews(deps.pool, deps.config.REVIEW_DEADLINE_MS),
        countOpenAppeals(deps.pool),
      ]);
      images.reset();
      for (const [status, n] of Object.entries(byStatus)) images.set({ status }, n);
      pending.set(backlog.pending);
      oldest.set(backlog.oldestAgeSeconds);
      overdue.set(overdueCount);
      appeals.set(appealCount);
      refreshed.set(Date.now() / 1000);
      postgres.recovered();
    } catch (error) {
      postgres.failed(error, 'metrics');
    }
  };
}

/**
 * Creates the registry and its metrics, and starts refreshing the PostgreSQL gauges: once now, then every
 * METRICS_REFRESH_MS (the timer does not keep the process alive).
 */
export function createMetrics(deps: Deps): Metrics {
  const own = new Registry();
  collectDefaultMetrics({ register: own, prefix: 'imgmod_' });
  const duration = new Histogram({
    name: 'imgmod_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [own],
  });
  const refreshSql = sqlGauges(own, deps);
  new Gauge({
    name: 'imgmod_db_pool_clients',
    help: "This API process's PostgreSQL pool: connections open, idle, and requests waiting for one (waiting > 0 for long: a stuck lock or PostgreSQL slow)",
    labelNames: ['state'] as const,
    registers: [own],
    collect() {
      this.set({ state: 'total' }, deps.pool.totalCount);
      this.set({ state: 'idle' }, deps.pool.idleCount);
      this.set({ state: 'waiting' }, deps.pool.waitingCount);
    },
  });
  // Both queue gauges are read from Redis at scrape time by one probe, every queue at once within QUEUE_PROBE_MS;
  // a queue that does not answer is left out (not failing the scrape) while Redis is unreachable or slow. A scrape
  // collects its metrics concurrently, so each gauge awaits the same probe before it is written out.
  let probing: Promise<void> | null = null;
  const probeQueues = () =>
    (probing ??= (async () => {
      const answers = await Promise.allSettled(
        allQueues(deps).map(([name, queue]) =>
          withTimeout(
            Promise.all([queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'), queue.getWorkersCount()]),
            QUEUE_PROBE_MS,
            'Redis',
          ).then(([counts, workers]) => ({ name, counts, workers })),
        ),
      );
      queueJobs.reset();
      queueWorkers.reset();
      for (const answer of answers) {
        if (answer.status !== 'fulfilled') continue;
        const { name, counts, workers } = answer.value;
        for (const [state, n] of Object.entries(counts)) queueJobs.set({ queue: name, state }, n);
        queueWorkers.set({ queue: name }, workers);
      }
      const failed = answers.find((answer) => answer.status === 'rejected');
      if (failed) outageLog(deps.logger, 'Redis').failed(failed.reason, 'metrics');
    })().finally(() => (probing = null)));
  const queueJobs = new Gauge({
    name: 'imgmod_queue_jobs',
    help: 'BullMQ jobs per queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [own],
    collect: probeQueues,
  });
  const queueWorkers = new Gauge({
    name: 'imgmod_queue_workers',
    help: 'Worker connections listening on each queue (0: no worker runs that job kind)',
    labelNames: ['queue'] as const,
    registers: [own],
    collect: probeQueues,
  });
  const timeRequests: RequestHandler = (req, res, next) => {
    const end = duration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({ route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  };

  let running: Promise<void> | null = null;
  const refresh = () => (running ??= refreshSql().finally(() => (running = null)));
  const timer = setInterval(() => {
    // The pool a test (or a shutdown) ended is not read again.
    if ((deps.pool as { ended?: boolean }).ended) clearInterval(timer);
    else void refresh();
  }, deps.config.METRICS_REFRESH_MS);
  timer.unref();
  void refresh();
  return { registry: Registry.merge([own, eventRegistry]), timeRequests, refresh, stop: () => clearInterval(timer) };
}

/** True when the Authorization header is `Bearer <token>` (compared in constant time). */
function hasToken(header: string | undefined, token: string): boolean {
  const given = Buffer.from(bearerToken(header) ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The router for GET /metrics over the registry createMetrics made; requires `Authorization: Bearer
 * METRICS_TOKEN` when that is set (401 `unauthorized` otherwise).
 */
export function metricsRoutes(metrics: Metrics, config: Pick<Config, 'METRICS_TOKEN'>): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (config.METRICS_TOKEN !== undefined && !hasToken(req.headers.authorization, config.METRICS_TOKEN)) {
      res.set('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new AppError({ code: 'unauthorized', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' });
    }
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}

/**
 * The app of the METRICS_PORT listener: GET /metrics (same token rule) and GET /healthz (the process is up: a
 * worker's health check), 404 for anything else.
 */
export function metricsApp(metrics: Metrics, config: Pick<Config, 'METRICS_TOKEN'>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(metricsRoutes(metrics, config));
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'this port serves GET /metrics and /healthz only' } });
  });
  app.use(((error, _req, res, _next) => {
    const status = error instanceof AppError ? error.httpStatus : 500;
    res.status(status).json({ error: { code: error instanceof AppError ? error.code : 'internal', message: (error as Error).message } });
  }) as express.ErrorRequestHandler);
  return app;
}
