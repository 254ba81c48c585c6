/** Route: GET /v1/error-codes, the error catalogue (src/errors.ts) for clients: every code, its status and meaning. */
import { Router } from 'express';
import { ERROR_CATALOGUE } from '../errors.js';

/** The router for /v1/error-codes (public, cacheable for an hour). */
export function errorCodesRoutes(): Router {
  const router = Router();
  router.get('/v1/error-codes', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json({ codes: ERROR_CATALOGUE });
  });
  return router;
}
