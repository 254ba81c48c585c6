/**
 * The process's shared dependencies, built once at start-up and passed to the app, use cases and workers.
 */
import { Redis } from 'ioredis';
import { redisDatabase, type Config } from './config.js';
import { isRedisConnectionError, outageLog } from './outage-log.js';
import { createLogger, type Logger } from './logger.js';
import { createPool, ensureDatabase, type Pool, type PoolLimits } from './db/pool.js';
import { migrate } from './db/migrate.js';
import type { Queue } from 'bullmq';
import { createQueues, closeQueues, type Queues } from './queues/queues.js';
import { createWebhookQueue, WEBHOOK_QUEUE, type WebhookJob } from './queues/webhook-queue.js';
import { configureSharp } from './media/sharp-settings.js';
import { createStorage } from './storage/create-storage.js';
import { seedSitesFromEnv } from './sites/seed-sites.js';
import type { Storage } from './storage/storage.js';
import { startServingCache, type ServingCache } from './images/serving-cache.js';

export interface Deps {
  config: Config;
  logger: Logger;
  pool: Pool;
  /** Shared Redis connection for producers and health checks; workers open their own blocking ones. */
  redis: Redis;
  queues: Queues;
  /** The deliver-webhook queue (its own, apart from the image jobs): produced by the workers' relay, watched by /metrics and the dashboard. */
  webhookQueue: Queue<WebhookJob>;
  storage: Storage;
  /** What /i/:id serves, kept briefly and dropped on change (images/serving-cache.ts). */
  servingCache: ServingCache;
}

/** Every job queue by name: the image jobs' and deliver-webhook (for /metrics and the job dashboard). */
export function allQueues(deps: Pick<Deps, 'queues' | 'webhookQueue'>): [string, Queue][] {
  return [...Object.entries(deps.queues), [WEBHOOK_QUEUE, deps.webhookQueue]];
}

/**
 * Opens a Redis connection. Producers fail fast (a command gives up after one reconnection attempt, so the
 * outbox relay rolls back and retries later); workers wait (`blocking`: commands retry until Redis is back),
 * as BullMQ's production guide recommends.
 */
export function openRedis(url: string, options: { blocking?: boolean } = {}): Redis {
  // The database of the URL's path (/1) is passed explicitly: it must hold for every connection BullMQ duplicates.
  return new Redis(url, { db: redisDatabase(url), maxRetriesPerRequest: options.blocking ? null : 1 });
}

/**
 * The pool limits of a role: the API waits briefly (DB_LOCK_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS), so a locked
 * image answers 503 instead of holding a request; jobs wait longer (JOB_LOCK_TIMEOUT_MS, JOB_STATEMENT_TIMEOUT_MS)
 * and are retried when that is not enough.
 */
export function poolLimits(config: Config, role: 'api' | 'jobs'): PoolLimits {
  return {
    max: config.DB_POOL_SIZE,
    acquireTimeoutMs: config.DB_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: role === 'api' ? config.DB_STATEMENT_TIMEOUT_MS : config.JOB_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: role === 'api' ? config.DB_LOCK_TIMEOUT_MS : config.JOB_LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}

/**
 * Applies sharp's settings, connects to PostgreSQL (creating the database when missing, applying
 * migrations, upserting SIGNED_READER_SITES into the sites table) and Redis, and opens the storage STORAGE_DRIVER names.
 * @param logger optional; defaults to a pino logger at LOG_LEVEL
 */
export async function createDeps(config: Config, logger: Logger = createLogger(config.LOG_LEVEL)): Promise<Deps> {
  configureSharp({ threads: config.SHARP_CONCURRENCY });
  await ensureDatabase(config.DATABASE_URL);
  const pool = createPool(config.DATABASE_URL, {
    limits: poolLimits(config, 'api'),
    name: 'imgmod-api',
    onError: (error) => outageLog(logger, 'PostgreSQL').failed(error, 'API pool (a lost connection is replaced at the next use)'),
  });
  const applied = await migrate(pool);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  const seeded = await seedSitesFromEnv({ pool, config });
  if (seeded.length > 0) logger.info({ sites: seeded }, 'sites seeded from SIGNED_READER_SITES');
  const redis = openRedis(config.REDIS_URL);
  const redisOutage = outageLog(logger, 'Redis');
  redis.on('ready', () => redisOutage.recovered());
  const queues = createQueues(redis, config.QUEUE_PREFIX, (error) =>
    isRedisConnectionError(error) ? redisOutage.failed(error, 'queues') : logger.warn({ err: error }, 'queue error'),
  );
  const webhookQueue = createWebhookQueue(redis, config.QUEUE_PREFIX, (error) =>
    isRedisConnectionError(error) ? redisOutage.failed(error, WEBHOOK_QUEUE) : logger.warn({ err: error }, 'queue error'),
  );
  return {
    config,
    logger,
    pool,
    redis,
    queues,
    webhookQueue,
    storage: createStorage(config),
    servingCache: startServingCache(config, logger),
  };
}

/** Closes queues, Redis, the pool and the storage, in that order; a Redis that is away is dropped, not waited for. */
export async function closeDeps(deps: Deps): Promise<void> {
  if (deps.redis.status !== 'ready') deps.redis.disconnect();
  await Promise.all([closeQueues(deps.queues), deps.webhookQueue.close()]);
  await deps.redis.quit().catch(() => deps.redis.disconnect());
  await deps.servingCache.close();
  await deps.pool.end();
  await deps.storage.close();
}
