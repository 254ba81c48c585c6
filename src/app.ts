/** buildApp(deps): the express application. It never listens; main.ts and the tests do. */
import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import { pinoHttp } from 'pino-http';
import type { Deps } from './deps.js';
import { errorMiddleware, routeNotFound } from './http/middleware/errors.js';
import { readerCors } from './http/middleware/cors.js';
import { adminRoutes } from './http/admin.routes.js';
import { appealsRoutes } from './http/appeals.routes.js';
import { demoRoutes } from './http/demo.routes.js';
import { docsRoutes } from './http/docs.routes.js';
import { errorCodesRoutes } from './http/error-codes.routes.js';
import { healthRoutes } from './http/health.routes.js';
import { imagesRoutes } from './http/images.routes.js';
import { createMetrics, metricsRoutes } from './http/metrics.routes.js';
import { moderationRoutes } from './http/moderation/index.js';
import { pagesRoutes } from './http/pages.routes.js';
import { queueDashboardRoutes } from './http/queue-dashboard.routes.js';
import { readerAuth } from './http/middleware/readers.js';
import { readersRoutes } from './http/readers.routes.js';
import { reportsRoutes } from './http/reports.routes.js';
import { serveRoutes } from './http/serve.routes.js';
import { signInRoutes } from './http/sign-in.routes.js';

/** Largest JSON body, in bytes: a report is a reason and a 500-character note. */
const JSON_LIMIT_BYTES = 16 * 1024;

/** Builds the express app over `deps`: logging, metrics, body parsing, every route, then the error middleware. */
export function buildApp(deps: Deps): Express {
  const app = express();
  app.disable('x-powered-by');
  // TRUST_PROXY: which X-Forwarded-For hops to believe for req.ip (the reader's network) and req.secure.
  app.set('trust proxy', deps.config.TRUST_PROXY);
  const auth = readerAuth(deps.config);
  const metrics = createMetrics(deps);
  app.use(metrics.timeRequests);
  app.use(
    pinoHttp({
      logger: deps.logger,
      autoLogging: { ignore: (req) => req.url === '/healthz' },
      // Tokens and session cookies are credentials, and a client address is personal data: never logged.
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'req.remoteAddress', 'req.remotePort'],
        censor: '[redacted]',
      },
    }),
  );
  app.use(express.json({ limit: JSON_LIMIT_BYTES }));
  app.use(cookieParser());
  app.use(readerCors(deps.config.ALLOWED_ORIGINS));
  app.use(healthRoutes(deps));
  app.use(errorCodesRoutes());
  app.use(docsRoutes());
  app.use(metricsRoutes(metrics));
  app.use(imagesRoutes(deps));
  app.use(appealsRoutes(deps));
  app.use(reportsRoutes(deps, auth));
  app.use(readersRoutes(deps, auth));
  app.use(demoRoutes(deps));
  app.use(serveRoutes(deps));
  app.use(signInRoutes(deps));
  app.use(adminRoutes(deps));
  app.use(moderationRoutes(deps));
  app.use(queueDashboardRoutes(deps));
  app.use(pagesRoutes());
  app.use(routeNotFound);
  app.use(errorMiddleware(deps.logger));
  return app;
}
