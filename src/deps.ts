/**
 * The process's shared dependencies, built once at start-up and passed to the app, use cases and workers.
 */
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createPool, ensureDatabase, type Pool } from './db/pool.js';
import { migrate } from './db/migrate.js';
import { createQueues, closeQueues, type Queues } from './queues/queues.js';
import { configureSharp } from './media/sharp-settings.js';
import { createStorage } from './storage/create-storage.js';
import type { Storage } from './storage/storage.js';

export interface Deps {
  config: Config;
  logger: Logger;
  pool: Pool;
  /** Shared Redis connection for producers and health checks; workers open their own blocking ones. */
  redis: Redis;
  queues: Queues;
  storage: Storage;
}

/**
 * Opens a Redis connection. Producers fail fast (a command gives up after one reconnection attempt, so the
 * outbox relay rolls back and retries later); workers wait (`blocking`: commands retry until Redis is back),
 * as BullMQ's production guide recommends.
 */
export function openRedis(url: string, options: { blocking?: boolean } = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: options.blocking ? null : 1 });
}

/**
 * Applies sharp's settings, connects to PostgreSQL (creating the database when missing, applying
 * migrations) and Redis, and opens the storage STORAGE_DRIVER names.
 * @param logger optional; defaults to a pino logger at LOG_LEVEL
 */
export async function createDeps(config: Config, logger: Logger = createLogger(config.LOG_LEVEL)): Promise<Deps> {
  configureSharp({ threads: config.SHARP_CONCURRENCY });
  await ensureDatabase(config.DATABASE_URL);
  const pool = createPool(config.DATABASE_URL, (error) => logger.error({ err: error }, 'idle PostgreSQL client error'));
  const applied = await migrate(pool);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  const redis = openRedis(config.REDIS_URL);
  const queues = createQueues(redis, config.QUEUE_PREFIX, (error) => logger.warn({ err: error }, 'queue error'));
  return { config, logger, pool, redis, queues, storage: createStorage(config) };
}

/** Closes queues, Redis, the pool and the storage, in that order. */
export async function closeDeps(deps: Deps): Promise<void> {
  await closeQueues(deps.queues);
  await deps.redis.quit().catch(() => deps.redis.disconnect());
  await deps.pool.end();
  await deps.storage.close();
}
