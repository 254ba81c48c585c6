/**
 * Process entry: `--role api | worker | all` (default all) and, for workers, `--jobs process-image,evaluate-image`
 * to run only some job kinds. Builds the dependencies once, starts, and shuts down gracefully on SIGTERM/SIGINT.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, usesDevelopmentSecret } from './config.js';
import { closeDeps, createDeps, type Deps } from './deps.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import { createLogger, type Logger } from './logger.js';
import { warnUnlessNoEviction } from './redis-health.js';
import { FORMER_JOB_TOPICS, JOB_TOPICS, type JobTopic } from './domain/job-topics.js';
import { startWorkers, type RunningWorkers } from '../workers/start-workers.js';

const ROLES = ['api', 'worker', 'all'] as const;
type ProcessRole = (typeof ROLES)[number];

function parseCommandLine(): { role: ProcessRole; topics: JobTopic[] } {
  const { values } = parseArgs({ options: { role: { type: 'string', default: 'all' }, jobs: { type: 'string' } } });
  const role = values.role as ProcessRole;
  if (!ROLES.includes(role)) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}`);
  const topics = (values.jobs?.split(',') ?? [...JOB_TOPICS]).map((name) => FORMER_JOB_TOPICS[name.trim()] ?? name.trim()) as JobTopic[];
  const unknown = topics.filter((topic) => !JOB_TOPICS.includes(topic));
  if (unknown.length) throw new ConfigError(`--jobs: unknown job kind ${unknown.join(', ')}; known: ${JOB_TOPICS.join(', ')}`);
  return { role, topics };
}

/** Extra time after SHUTDOWN_TIMEOUT_MS for closing connections before the process gives up and exits 1. */
const HARD_EXIT_GRACE_MS = 5_000;

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
function gracefulShutdown(parts: { http?: HttpServer; workers?: RunningWorkers; deps: Deps; logger: Logger; timeoutMs: number }) {
  let stopping = false;
  return async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const { http, workers, deps, logger, timeoutMs } = parts;
    logger.info({ signal, timeoutMs }, 'shutting down: no new requests or jobs; draining');
    setTimeout(() => {
      logger.error('shutdown did not finish; exiting');
      process.exit(1);
    }, timeoutMs + HARD_EXIT_GRACE_MS).unref();
    const started = Date.now();
    const [requestsDrained, jobsDrained] = await Promise.all([
      http ? http.drain(timeoutMs) : true,
      workers ? within(workers.close(), timeoutMs) : true,
    ]);
    if (!jobsDrained) logger.warn('jobs still running at SHUTDOWN_TIMEOUT_MS; cut (BullMQ runs them again once their lock expires)');
    if (!requestsDrained) logger.warn('requests still running at SHUTDOWN_TIMEOUT_MS; their connections were cut');
    // A cut job may still hold a connection, which pool.end() would wait for: bounded by the grace period.
    await within(closeDeps(deps), jobsDrained ? HARD_EXIT_GRACE_MS : 1_000);
    logger.info({ durationMs: Date.now() - started, requestsDrained, jobsDrained }, 'stopped');
    process.exit(0);
  };
}

async function main(): Promise<void> {
  const { role, topics } = parseCommandLine();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  if (usesDevelopmentSecret(config)) logger.warn('JWT_SECRET is the development default: set your own before going live');
  const deps = await createDeps(config, logger);
  void warnUnlessNoEviction(deps.redis, logger);

  let http: HttpServer | undefined;
  let workers: RunningWorkers | undefined;
  if (role !== 'worker') {
    http = createHttpServer(buildApp(deps), config);
    http.server.listen(config.PORT, config.HOST);
    await once(http.server, 'listening');
    const address = http.server.address();
    logger.info({ port: typeof address === 'object' && address ? address.port : config.PORT, host: config.HOST }, 'API listening');
  }
  if (role !== 'api') {
    workers = startWorkers(deps, { topics });
    logger.info({ topics }, 'workers started');
  }

  const shutdown = gracefulShutdown({ http, workers, deps, logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // Start-up failures (bad config, database unreachable) end the process with the reason on stderr.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
