/**
 * The worker entry: one BullMQ Worker per job kind, plus the outbox relay and the review-deadline sweep. Each job logs one start and one
 * finish line with its duration. A job that throws is retried by BullMQ; the process never crashes on one.
 */
import { Worker, type Job } from 'bullmq';
import type { Deps } from '../src/deps.js';
import { openRedis, poolLimits } from '../src/deps.js';
import { createPool, isConnectionError } from '../src/db/pool.js';
import { isRedisConnectionError, outageLog } from '../src/outage-log.js';
import { recordJob, recordJobFailure } from '../src/metrics.js';
import { JOB_TOPICS, type ImageJob, type JobTopic } from '../src/queues/queues.js';
import { evaluateImageProcessor } from './evaluate-image.processor.js';
import { startOutboxRelay, type OutboxRelay } from './outbox-relay.js';
import { purgeImageProcessor } from './purge-image.processor.js';
import { startReviewDeadlines } from './review-deadlines.js';
import { processImageProcessor } from './process-image.processor.js';
import { WEBHOOK_QUEUE, type WebhookJob } from '../src/queues/webhook-queue.js';
import { deliverWebhookProcessor } from './deliver-webhook.processor.js';
import { DISPATCH_BATCH_SIZE, dispatchWebhooks } from './webhook-dispatch.js';
import { pruneFinishedDeliveries } from '../src/db/webhooks.repository.js';
import { pruneSiteAutoBlockCounts } from '../src/db/sites.repository.js';
import { runWithRequestId } from '../src/request-context.js';

export interface RunningWorkers {
  relay: OutboxRelay;
  workers: Worker<ImageJob>[];
  /** The deliver-webhook worker, when this process delivers webhooks. */
  webhookWorker: Worker<WebhookJob> | null;
  /**
   * Stops taking jobs, waits for running ones (unless `force`: Redis is away, so none could finish), stops the
   * relay and closes Redis and the jobs' pool.
   */
  close(options?: { force?: boolean }): Promise<void>;
}

type Processor = (job: Job<ImageJob>) => Promise<unknown>;

/** What a job's log line says of its result: the status and what happened, not the whole evaluation. */
export function jobOutcome(result: unknown): unknown {
  if (typeof result !== 'object' || result === null) return result;
  const fields = ['status', 'blocked', 'brigadeHeld', 'failureReason', 'reason'] as const;
  return Object.fromEntries(fields.filter((field) => field in result).map((field) => [field, (result as Record<string, unknown>)[field]]));
}

function processorFor(deps: Deps, topic: JobTopic): { processor: Processor; concurrency: number } {
  switch (topic) {
    case 'process-image':
      return { processor: processImageProcessor(deps), concurrency: deps.config.THUMBNAIL_CONCURRENCY };
    case 'evaluate-image':
      return { processor: evaluateImageProcessor(deps), concurrency: deps.config.EVALUATE_CONCURRENCY };
    case 'purge-image':
      return { processor: purgeImageProcessor(deps), concurrency: 2 };
  }
}

/**
 * Starts workers for `topics` (default: every job kind), the webhook deliveries (unless `webhooks: false`) and the
 * outbox relay, on a PostgreSQL pool of their own (the JOB_* timeouts) that close() ends.
 * @param options.topics job kinds this process runs, e.g. ['process-image'] for a process that only makes derivatives
 */
export function startWorkers(apiDeps: Deps, options: { topics?: readonly JobTopic[]; webhooks?: boolean } = {}): RunningWorkers {
  // Jobs get their own pool, with longer lock and statement timeouts than requests: a stuck job can use up
  // only its own connections, never the API's, even with --role all.
  const pool = createPool(apiDeps.config.DATABASE_URL, {
    limits: poolLimits(apiDeps.config, 'jobs'),
    name: 'imgmod-jobs',
    onError: (error) => outageLog(apiDeps.logger, 'PostgreSQL').failed(error, 'jobs pool'),
  });
  const deps: Deps = { ...apiDeps, pool };
  const connection = openRedis(deps.config.REDIS_URL, { blocking: true });
  const redisOutage = outageLog(deps.logger, 'Redis');
  connection.on('error', (error) => redisOutage.failed(error, 'workers'));
  connection.on('ready', () => redisOutage.recovered());
  const workers = (options.topics ?? JOB_TOPICS).map((topic) => {
    const { processor, concurrency } = processorFor(deps, topic);
    const logger = deps.logger.child({ job: topic });
    const logged: Processor = async (job) => {
      const started = performance.now();
      const fields = { jobId: job.id, imageId: job.data.imageId, requestId: job.data.requestId, attempt: job.attemptsMade + 1 };
      logger.debug(fields, 'job started');
      // What the job writes to the outbox (the jobs it causes in turn) carries the id of the request behind it.
      const result = await runWithRequestId(job.data.requestId ?? null, () => processor(job));
      // One line per job at info, with what it changed; the decision's details are in the audit log.
      logger.info({ ...fields, durationMs: Math.round(performance.now() - started), result: jobOutcome(result) }, 'job finished');
      recordJob(topic, performance.now() - started);
      return result;
    };
    const worker = new Worker<ImageJob>(topic, logged, { connection, prefix: deps.config.QUEUE_PREFIX, concurrency });
    worker.on('failed', (job, error) => {
      recordJobFailure(topic);
      logger.warn({ jobId: job?.id, imageId: job?.data.imageId, attempt: job?.attemptsMade, err: error }, 'job failed');
    });
    // Connection errors are an outage (logged once, then once a minute); anything else is worth a stack.
    worker.on('error', (error) =>
      isConnectionError(error) || isRedisConnectionError(error)
        ? redisOutage.failed(error, topic)
        : logger.error({ err: error }, 'worker error'),
    );
    return worker;
  });
  const webhooks = options.webhooks === false ? null : startWebhookDelivery(deps, connection, redisOutage);
  const relay = startOutboxRelay(deps, webhooks ? { dispatchWebhooks: webhooks.dispatch } : {});
  const deadlines = startReviewDeadlines(deps);
  // The circuit breaker's per-minute counts older than it reads (7 days and an hour) go hourly.
  const pruneCounts = setInterval(() => {
    pruneSiteAutoBlockCounts(pool).catch((error: unknown) => deps.logger.warn({ err: error }, 'auto-block counts prune failed'));
  }, 3_600_000);
  pruneCounts.unref();
  return {
    relay,
    workers,
    webhookWorker: webhooks?.worker ?? null,
    async close(closeOptions = {}) {
      clearInterval(pruneCounts);
      await relay.stop();
      await deadlines.stop();
      await Promise.all([...workers, ...(webhooks ? [webhooks.worker] : [])].map((worker) => worker.close(closeOptions.force)));
      webhooks?.stop();
      // QUIT waits for a Redis that is not there (ioredis queues it until it reconnects): just drop it then.
      if (connection.status === 'ready') await connection.quit().catch(() => connection.disconnect());
      else connection.disconnect();
      await pool.end();
    },
  };
}

/** Finished webhook deliveries stay in the delivery log this long (30 days), then are deleted hourly. */
const KEEP_DELIVERY_LOG_MS = 30 * 86_400_000;

/**
 * The deliver-webhook worker (WEBHOOK_CONCURRENCY attempts at once; the relay puts at most ATTEMPTS_PER_ENDPOINT of
 * one endpoint's deliveries, and half the slots' worth of one site's, in line, so hanging endpoints hold that many
 * slots for at most WEBHOOK_TIMEOUT_MS) and the relay step that dispatches due deliveries to it.
 */
function startWebhookDelivery(deps: Deps, connection: ReturnType<typeof openRedis>, redisOutage: ReturnType<typeof outageLog>) {
  const logger = deps.logger.child({ job: WEBHOOK_QUEUE });
  const queue = deps.webhookQueue;
  const processor = deliverWebhookProcessor(deps);
  const worker = new Worker<WebhookJob>(
    WEBHOOK_QUEUE,
    async (job) => {
      const started = performance.now();
      logger.debug({ jobId: job.id, deliveryId: job.data.deliveryId, attempt: job.attemptsMade + 1 }, 'job started');
      const result = await processor(job);
      logger.info(
        { jobId: job.id, deliveryId: job.data.deliveryId, durationMs: Math.round(performance.now() - started), result },
        'job finished',
      );
      return result;
    },
    { connection, prefix: deps.config.QUEUE_PREFIX, concurrency: deps.config.WEBHOOK_CONCURRENCY },
  );
  worker.on('failed', (job, error) => logger.warn({ jobId: job?.id, deliveryId: job?.data.deliveryId, err: error }, 'job failed'));
  worker.on('error', (error) =>
    isConnectionError(error) || isRedisConnectionError(error)
      ? redisOutage.failed(error, WEBHOOK_QUEUE)
      : logger.error({ err: error }, 'worker error'),
  );
  const dispatch = async (addTimeoutMs: number) => {
    const dispatched = await dispatchWebhooks(deps, queue, addTimeoutMs);
    return { dispatched, fullBatch: dispatched === DISPATCH_BATCH_SIZE };
  };
  const prune = setInterval(() => {
    pruneFinishedDeliveries(deps.pool, KEEP_DELIVERY_LOG_MS).catch((error: unknown) =>
      logger.warn({ err: error }, 'delivery log prune failed'),
    );
  }, 3_600_000);
  prune.unref();
  return { queue, worker, dispatch, stop: () => clearInterval(prune) };
}
