/**
 * GET /metrics in Prometheus text format (prom-client): request durations of this API process, plus
 * cluster-wide gauges read at scrape time from PostgreSQL (images per status, pending outbox rows) and
 * Redis (jobs per queue and state), so any one API process reports the whole deployment. A gauge whose source
 * does not answer is left out of the scrape rather than failing it: an outage is when the rest matters most.
 */
import { Router, type RequestHandler } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Deps } from '../deps.js';
import { withTimeout } from '../timeout.js';

/** How long a scrape waits for Redis's job counts, in ms. */
const QUEUE_PROBE_MS = 1_000;

/**
 * A gauge whose value is one `count(*)::int AS n` query, read at scrape time. It keeps its last value while
 * PostgreSQL does not answer (an unlabelled gauge would otherwise read 0), and the scrape still succeeds.
 */
function countGauge(registry: Registry, deps: Pick<Deps, 'pool' | 'logger'>, gauge: { name: string; help: string; sql: string; params?: unknown[] }): void {
  new Gauge({
    name: gauge.name,
    help: gauge.help,
    registers: [registry],
    async collect() {
      const result = await deps.pool
        .query<{ n: number }>(gauge.sql, gauge.params ?? [])
        .catch((error: unknown) => deps.logger.warn({ err: error }, `${gauge.name} unavailable`));
      if (result) this.set(result.rows[0]!.n);
    },
  });
}

export interface Metrics {
  registry: Registry;
  /** Middleware that times every request by method, matched route and status. */
  timeRequests: RequestHandler;
}

/** Creates the registry and its metrics (once per app). */
export function createMetrics(deps: Deps): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'imgmod_' });
  const duration = new Histogram({
    name: 'imgmod_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'imgmod_images',
    help: 'Images per status',
    labelNames: ['status'] as const,
    registers: [registry],
    // Like the queue gauge, left out (not failing the scrape) while PostgreSQL does not answer.
    async collect() {
      this.reset();
      const result = await deps.pool
        .query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM images GROUP BY status')
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'image metrics unavailable'));
      for (const row of result?.rows ?? []) this.set({ status: row.status }, row.n);
    },
  });
  countGauge(registry, deps, {
    name: 'imgmod_outbox_pending',
    help: 'Outbox rows whose job has not run yet (grows while Redis or the workers are down)',
    sql: 'SELECT count(*)::int AS n FROM outbox WHERE done_at IS NULL',
  });
  countGauge(registry, deps, {
    name: 'imgmod_reviews_overdue',
    help: 'Auto-blocked images not reviewed within REVIEW_DEADLINE',
    sql: `SELECT count(*)::int AS n FROM images WHERE status = 'auto_blocked' AND status_changed_at < now() - $1 * interval '1 millisecond'`,
    params: [deps.config.REVIEW_DEADLINE],
  });
  countGauge(registry, deps, {
    name: 'imgmod_appeals_open',
    help: 'Appeals no decision answered yet',
    sql: 'SELECT count(*)::int AS n FROM appeals WHERE decided_at IS NULL',
  });
  new Gauge({
    name: 'imgmod_db_pool_clients',
    help: "This API process's PostgreSQL pool: connections open, idle, and requests waiting for one (waiting > 0 for long: a stuck lock or PostgreSQL slow)",
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, deps.pool.totalCount);
      this.set({ state: 'idle' }, deps.pool.idleCount);
      this.set({ state: 'waiting' }, deps.pool.waitingCount);
    },
  });
  new Gauge({
    name: 'imgmod_queue_jobs',
    help: 'BullMQ jobs per queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    // Left out of the scrape (not failing it) while Redis is unreachable: that is when the rest matters most.
    async collect() {
      this.reset();
      try {
        for (const [name, queue] of Object.entries(deps.queues)) {
          const counts = await withTimeout(queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'), QUEUE_PROBE_MS, 'Redis');
          for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
        }
      } catch (error) {
        this.reset();
        deps.logger.warn({ err: error }, 'queue metrics unavailable');
      }
    },
  });
  const timeRequests: RequestHandler = (req, res, next) => {
    const end = duration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({ route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  };
  return { registry, timeRequests };
}

/** The router for GET /metrics over the registry createMetrics made. */
export function metricsRoutes(metrics: Metrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
