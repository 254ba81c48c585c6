/** The moderator page: GET /moderate and its static script and stylesheet from public/. */
import express, { Router } from 'express';
import { projectPath } from '../paths.js';

/** Scripts and styles from our origin only; images may be blob: URLs (the revealed original). */
const PAGE_CSP = "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The router for /moderate and the static files of public/, with a strict Content-Security-Policy. */
export function pagesRoutes(): Router {
  const router = Router();
  const publicDir = projectPath('public/');
  router.use((_req, res, next) => {
    res.set('Content-Security-Policy', PAGE_CSP);
    next();
  });
  router.get('/moderate', (_req, res) => {
    res.set('Cache-Control', 'no-cache').sendFile(`${publicDir}moderate.html`);
  });
  router.use(express.static(publicDir, { index: false, maxAge: '5m', extensions: false }));
  return router;
}
