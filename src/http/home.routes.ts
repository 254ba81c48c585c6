/** GET /: a small landing page linking the API documentation, the demo, the moderator page and health. */
import { Router } from 'express';
import { projectPath } from '../paths.js';

/** Our own stylesheet and icon only; nothing may frame it. */
const HOME_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The router for GET / (public/index.html). */
export function homeRoutes(): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.set({ 'Content-Security-Policy': HOME_CSP, 'Cache-Control': 'no-cache' }).sendFile(projectPath('public/index.html'));
  });
  return router;
}
