/**
 * Routes: GET /openapi.json (the OpenAPI 3.1 document, http/openapi.ts) and GET /docs (Swagger UI over it). The
 * page's scripts and styles are served by imgmod from the swagger-ui-dist package and public/docs-init.js: no CDN,
 * nothing fetched elsewhere.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { Router } from 'express';
import { openApiDocument } from './openapi.js';

/** Swagger UI sets inline styles and shows data: images; scripts only from our origin. */
const DOCS_CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>imgmod API</title><link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs-init.js"></script>
</body></html>`;

/** The folder of the installed swagger-ui-dist package. */
function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/** The router for /openapi.json and /docs. */
export function docsRoutes(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(openApiDocument());
  });
  router.use('/docs', (_req, res, next) => {
    res.set('Content-Security-Policy', DOCS_CSP);
    next();
  });
  router.get('/docs', (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('html').send(DOCS_PAGE);
  });
  router.use('/docs/assets', express.static(swaggerUiDir(), { index: false, maxAge: '1h' }));
  return router;
}
