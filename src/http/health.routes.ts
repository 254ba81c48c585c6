/** Routes: GET /healthz (the process is up) and GET /readyz (PostgreSQL and Redis answer). */
import { Router } from 'express';
import type { Deps } from '../deps.js';
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
      probe(() => deps.redis.ping()),
    ]);
    const ready = postgres === 'ok' && redis === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', checks: { postgres, redis } });
  });
  return router;
}
