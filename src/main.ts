/**
 * Process entry: `--role api | worker | all` (default all) and, for workers, `--jobs thumbnail,evaluate-reports`
 * to run only some job kinds. Builds the dependencies once, starts, and shuts down gracefully on SIGTERM/SIGINT.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Server } from 'node:http';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, usesDevelopmentSecret } from './config.js';
import { closeDeps, createDeps } from './deps.js';
import { createLogger } from './logger.js';
import { JOB_TOPICS, type JobTopic } from './queues/queues.js';
import { startWorkers, type RunningWorkers } from '../workers/start-workers.js';

const ROLES = ['api', 'worker', 'all'] as const;
type ProcessRole = (typeof ROLES)[number];

function parseCommandLine(): { role: ProcessRole; topics: JobTopic[] } {
  const { values } = parseArgs({ options: { role: { type: 'string', default: 'all' }, jobs: { type: 'string' } } });
  const role = values.role as ProcessRole;
  if (!ROLES.includes(role)) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}`);
  const topics = (values.jobs?.split(',') ?? [...JOB_TOPICS]).map((name) => name.trim()) as JobTopic[];
  const unknown = topics.filter((topic) => !JOB_TOPICS.includes(topic));
  if (unknown.length) throw new ConfigError(`--jobs: unknown job kind ${unknown.join(', ')}; known: ${JOB_TOPICS.join(', ')}`);
  return { role, topics };
}

async function main(): Promise<void> {
  const { role, topics } = parseCommandLine();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  if (usesDevelopmentSecret(config)) logger.warn('JWT_SECRET is the development default: set your own before going live');
  const deps = await createDeps(config, logger);

  let server: Server | undefined;
  let workers: RunningWorkers | undefined;
  if (role !== 'worker') {
    server = buildApp(deps).listen(config.PORT, config.HOST);
    await once(server, 'listening');
    logger.info({ port: config.PORT, host: config.HOST }, 'API listening');
  }
  if (role !== 'api') {
    workers = startWorkers(deps, { topics });
    logger.info({ topics }, 'workers started');
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const forced = setTimeout(() => {
      logger.error('graceful shutdown took over 25 s; exiting');
      process.exit(1);
    }, 25_000).unref();
    if (server) {
      const closed = once(server, 'close');
      server.close();
      server.closeIdleConnections();
      await closed;
    }
    await workers?.close();
    await closeDeps(deps);
    clearTimeout(forced);
    logger.info('stopped');
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // Start-up failures (bad config, database unreachable) end the process with the reason on stderr.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
