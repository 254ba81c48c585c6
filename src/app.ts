/** buildApp(deps): the express application. It never listens; main.ts and the tests do. */
import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import { pinoHttp } from 'pino-http';
import type { Deps } from './deps.js';
import { answeredExpectedError, errorMiddleware, routeNotFound } from './http/middleware/errors.js';
import { readerCors } from './http/middleware/cors.js';
import { adminRoutes } from './http/admin.routes.js';
import { appealsRoutes } from './http/appeals.routes.js';
import { demoRoutes } from './http/demo.routes.js';
import { docsRoutes } from './http/docs.routes.js';
import { errorCodesRoutes } from './http/error-codes.routes.js';
import { healthRoutes } from './http/health.routes.js';
import { homeRoutes } from './http/home.routes.js';
import { webhooksRoutes } from './http/webhooks.routes.js';
import { imagesRoutes } from './http/images.routes.js';
import { createMetrics, metricsRoutes, type Metrics } from './http/metrics.routes.js';
import { moderationRoutes } from './http/moderation/index.js';
import { pagesRoutes } from './http/pages.routes.js';
import { queueDashboardRoutes } from './http/queue-dashboard.routes.js';
import { readerAuth } from './http/middleware/readers.js';
import { readersRoutes } from './http/readers.routes.js';
import { reportsRoutes } from './http/reports.routes.js';
import { serveRoutes } from './http/serve.routes.js';
import { signInRoutes } from './http/sign-in.routes.js';
import { genRequestId, requestContext } from './http/request-id.js';
import { privateNoStore, securityHeaders } from './http/security-headers.js';
import { requestLogSerializers } from './http/request-log.js';

/** Largest JSON body, in bytes: a report is a reason and a 500-character note. */
const JSON_LIMIT_BYTES = 16 * 1024;
/** /i/:id and /i/:id/thumb, as pino-http sees the URL once the answer is sent. */
const SERVING_PATH = /^\/i\/[^/?]+(\/thumb)?(\?|$)/;

/**
 * Builds the express app over `deps`: logging, metrics, body parsing, every route, then the error middleware.
 * @param options.metrics the process's metrics (main.ts shares them with the METRICS_PORT listener); default: new ones
 */
export function buildApp(deps: Deps, options: { metrics?: Metrics } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  // TRUST_PROXY: which X-Forwarded-For hops to believe for req.ip (the reader's network) and req.secure.
  app.set('trust proxy', deps.config.TRUST_PROXY);
  const auth = readerAuth(deps);
  // 'silent' rather than a disabled 'debug': pino-http then does not even build the line.
  const servingLevel = deps.logger.isLevelEnabled('debug') ? 'debug' : 'silent';
  const metrics = options.metrics ?? createMetrics(deps);
  app.use(metrics.timeRequests);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: genRequestId,
      autoLogging: { ignore: (req) => req.url === '/healthz' },
      // Image bytes are the hot path (a host site's every page view): their answers are logged at debug, failures
      // as ever; /metrics counts them all (imgmod_http_request_duration_seconds).
      // An expected 503 (an image still being processed) is an answer like any other: no error, no stack.
      customLogLevel: (req, res, error) =>
        (error || res.statusCode >= 500) && !answeredExpectedError(res)
          ? 'error'
          : SERVING_PATH.test((req as { originalUrl?: string }).originalUrl ?? req.url ?? '')
            ? servingLevel
            : 'info',
      customErrorMessage: (_req, res) => (answeredExpectedError(res) ? 'request completed' : 'request errored'),
      customErrorObject: (_req, res, _error, value: Record<string, unknown>) =>
        answeredExpectedError(res) ? { ...value, err: undefined } : value,
      // Only allow-listed headers are logged: never a client address (x-forwarded-for, x-real-ip, forwarded,
      // the socket's), a credential (authorization, cookie, set-cookie) or the page a reader was on (referer).
      serializers: requestLogSerializers,
    }),
  );
  app.use(requestContext);
  app.use(securityHeaders());
  app.use(privateNoStore);
  // The hot path first: serving needs no body, cookie or CORS handling, nor to be matched against every router.
  app.use(serveRoutes(deps));
  app.use(express.json({ limit: JSON_LIMIT_BYTES }));
  app.use(cookieParser());
  app.use(readerCors(deps.config.ALLOWED_ORIGINS, auth.sites));
  app.use(homeRoutes());
  app.use(healthRoutes(deps));
  app.use(errorCodesRoutes());
  app.use(docsRoutes());
  // With METRICS_PORT, /metrics is served on that port only (main.ts), not to whoever reaches PORT.
  if (deps.config.METRICS_PORT === undefined) app.use(metricsRoutes(metrics, deps.config));
  app.use(imagesRoutes(deps, auth));
  app.use(webhooksRoutes(deps, auth));
  app.use(appealsRoutes(deps, auth));
  app.use(reportsRoutes(deps, auth));
  app.use(readersRoutes(deps, auth));
  app.use(demoRoutes(deps));
  app.use(signInRoutes(deps));
  app.use(adminRoutes(deps, auth));
  app.use(moderationRoutes(deps));
  app.use(queueDashboardRoutes(deps));
  app.use(pagesRoutes());
  app.use(routeNotFound);
  app.use(errorMiddleware(deps.logger));
  return app;
}
