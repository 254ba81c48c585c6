/**
 * Process entry: `--role api | worker | all` (default all) and, for workers, `--jobs process-image,evaluate-image`
 * to run only some job kinds (`deliver-webhook` names the webhook deliveries). Builds the dependencies once, starts, and shuts down gracefully on SIGTERM/SIGINT.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, usesDevelopmentSecret, type Config } from './config.js';
import { closeDeps, createDeps, type Deps } from './deps.js';
import { createMetrics, metricsApp } from './http/metrics.routes.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import { createLogger, type Logger } from './logger.js';
import { warnUnlessNoEviction } from './redis-health.js';
import { listenError, StartupError, waitForPostgres, waitForRedis } from './startup.js';
import { FORMER_JOB_TOPICS, JOB_TOPICS, type JobTopic } from './domain/job-topics.js';
import { WEBHOOK_QUEUE } from './queues/webhook-queue.js';
import { startWorkers, type RunningWorkers } from '../workers/start-workers.js';

const ROLES = ['api', 'worker', 'all'] as const;
type ProcessRole = (typeof ROLES)[number];

function parseCommandLine(): { role: ProcessRole; topics: JobTopic[]; webhooks: boolean } {
  const { values } = parseArgs({ options: { role: { type: 'string', default: 'all' }, jobs: { type: 'string' } } });
  const role = values.role as ProcessRole;
  if (!ROLES.includes(role)) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}`);
  const known: string[] = [...JOB_TOPICS, WEBHOOK_QUEUE];
  const names = (values.jobs?.split(',') ?? known).map((name) => FORMER_JOB_TOPICS[name.trim()] ?? name.trim());
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length) throw new ConfigError(`--jobs: unknown job kind ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return { role, topics: names.filter((name) => name !== WEBHOOK_QUEUE) as JobTopic[], webhooks: names.includes(WEBHOOK_QUEUE) };
}

/** Extra time after SHUTDOWN_TIMEOUT_MS for closing connections before the process gives up and exits 1. */
const HARD_EXIT_GRACE_MS = 5_000;
/** How long SIGTERM drains when Redis is unreachable (no job can finish then), in ms. */
const REDIS_DOWN_DRAIN_MS = 2_000;

/** Resolves true when `promise` settles within `ms`, false otherwise (it keeps running). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The SIGTERM/SIGINT sequence: stop accepting requests and jobs, drain both within SHUTDOWN_TIMEOUT_MS (then
 * cut what is left: jobs are safe to run again, and BullMQ hands a cut one to another worker), close
 * connections, exit 0. Only a shutdown that hangs past the grace period exits 1.
 */
function gracefulShutdown(parts: {
  http?: HttpServer;
  metricsServer?: Server;
  workers?: RunningWorkers;
  deps: Deps;
  logger: Logger;
  timeoutMs: number;
}) {
  let stopping = false;
  return async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const { http, workers, deps, logger } = parts;
    parts.metricsServer?.close();
    parts.metricsServer?.closeAllConnections();
    // With Redis away no running job can finish (its result goes to Redis) and no connection can say goodbye:
    // waiting would only make the orchestrator kill us. Jobs are safe to run again; BullMQ hands them out again.
    const redisDown = deps.redis.status !== 'ready';
    const timeoutMs = redisDown ? Math.min(parts.timeoutMs, REDIS_DOWN_DRAIN_MS) : parts.timeoutMs;
    logger.info({ signal, timeoutMs, redisDown }, 'shutting down: no new requests or jobs; draining');
    setTimeout(() => {
      logger.error('shutdown did not finish; exiting');
      process.exit(1);
    }, timeoutMs + HARD_EXIT_GRACE_MS).unref();
    const started = Date.now();
    const [requestsDrained, jobsDrained] = await Promise.all([
      http ? http.drain(timeoutMs) : true,
      workers ? within(workers.close({ force: redisDown }), timeoutMs) : true,
    ]);
    if (!jobsDrained) logger.warn('jobs still running at SHUTDOWN_TIMEOUT_MS; cut (BullMQ runs them again once their lock expires)');
    if (!requestsDrained) logger.warn('requests still running at SHUTDOWN_TIMEOUT_MS; their connections were cut');
    // A cut job may still hold a connection, which pool.end() would wait for: bounded by the grace period.
    await within(closeDeps(deps), jobsDrained ? HARD_EXIT_GRACE_MS : 1_000);
    logger.info({ durationMs: Date.now() - started, requestsDrained, jobsDrained }, 'stopped');
    process.exit(0);
  };
}

/** Listens on `port` and `host`; a port in use or refused becomes one StartupError line naming `variables`. */
async function listen(server: Server, address: { port: number; host: string; variables: string }): Promise<number> {
  server.listen(address.port, address.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw listenError(error, address);
  }
  const bound = server.address();
  return typeof bound === 'object' && bound ? bound.port : address.port;
}

/** The URL to open for an API bound to `host`:`port` (a wildcard host is shown as localhost). */
function urlToOpen(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/`;
}

/** Waits for PostgreSQL and Redis (STARTUP_TIMEOUT_MS each at most), then builds the dependencies. */
async function connect(config: Config, logger: Logger): Promise<Deps> {
  const wait = { timeoutMs: config.STARTUP_TIMEOUT_MS, logger };
  await Promise.all([waitForPostgres(config.DATABASE_URL, wait), waitForRedis(config.REDIS_URL, wait)]);
  return createDeps(config, logger);
}

async function main(): Promise<void> {
  const { role, topics, webhooks } = parseCommandLine();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  if (usesDevelopmentSecret(config)) logger.warn('JWT_SECRET is the development default: set your own before going live');
  const deps = await connect(config, logger);
  await warnUnlessNoEviction(deps.redis, logger);

  const metrics = createMetrics(deps);
  let http: HttpServer | undefined;
  let metricsServer: Server | undefined;
  let workers: RunningWorkers | undefined;
  if (config.METRICS_PORT !== undefined) {
    metricsServer = createHttpServer(metricsApp(metrics, config), config).server;
    const port = await listen(metricsServer, { port: config.METRICS_PORT, host: config.HOST, variables: 'METRICS_PORT and HOST' });
    logger.info({ port, host: config.HOST }, 'metrics listening');
  }
  if (role !== 'worker') {
    http = createHttpServer(buildApp(deps, { metrics }), config);
    const port = await listen(http.server, { port: config.PORT, host: config.HOST, variables: 'PORT and HOST' });
    logger.info({ port, host: config.HOST, url: urlToOpen(config.HOST, port) }, 'API listening');
  }
  if (role !== 'api') {
    workers = startWorkers(deps, { topics, webhooks });
    logger.info({ topics, webhooks }, 'workers started');
  }
  const address = http?.server.address();
  if (address && typeof address === 'object') logger.info({ role }, `imgmod is ready: open ${urlToOpen(config.HOST, address.port)}`);

  const shutdown = gracefulShutdown({ http, metricsServer, workers, deps, logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // Start-up failures end the process with one line on stderr: a bad variable, a dependency that does not
  // answer or refuses us, a port in use. Anything else is a bug: its stack is printed too.
  if (error instanceof ConfigError || error instanceof StartupError) console.error(`imgmod: ${error.message}`);
  else console.error('imgmod: cannot start:', error);
  process.exit(1);
});
