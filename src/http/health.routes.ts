/**
 * Routes: GET /healthz (the process is up) and GET /readyz (PostgreSQL answers a query and Redis takes a
 * write: a Redis out of memory with `noeviction` answers PING but can queue no job, so it is not ready).
 */
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { checkRedisWrites } from '../redis-health.js';
import { withTimeout } from '../timeout.js';

/** How long a readiness probe waits for each dependency, in ms. */
const PROBE_TIMEOUT_MS = 2_000;

/** @returns 'ok', or why the check failed */
async function probe(check: () => Promise<unknown>): Promise<string> {
  try {
    await withTimeout(check(), PROBE_TIMEOUT_MS, 'the dependency');
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The router for /healthz and /readyz. */
export function healthRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, redis] = await Promise.all([
      probe(() => deps.pool.query('SELECT 1')),
      probe(() => checkRedisWrites(deps.redis, deps.config.QUEUE_PREFIX, PROBE_TIMEOUT_MS)),
    ]);
    const ready = postgres === 'ok' && redis === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', checks: { postgres, redis } });
  });
  return router;
}
