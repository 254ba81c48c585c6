/**
 * The job queues' producer side (job kinds and payloads: domain/job-topics.ts). Jobs carry ids only and are safe to run twice.
 * The only module that creates BullMQ Queues; workers/ consume them.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import { JOB_TOPICS, type ImageJob, type JobTopic } from '../domain/job-topics.js';

export { JOB_TOPICS, type ImageJob, type JobTopic };

export type Queues = Record<JobTopic, Queue<ImageJob>>;

/** Retries with exponential backoff (1 s, 2 s, 4 s, …) for transient failures; finished jobs are trimmed. */
const DEFAULT_JOB_OPTIONS = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
} as const;

/**
 * Opens one producer Queue per job kind under `prefix`.
 * @param onError receives connection errors (logged by the caller), which would otherwise be unhandled events
 */
export function createQueues(connection: ConnectionOptions, prefix: string, onError: (error: Error) => void): Queues {
  const open = (topic: JobTopic) => {
    const queue = new Queue<ImageJob>(topic, {
      connection,
      prefix,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
    });
    queue.on('error', onError);
    return queue;
  };
  return { 'process-image': open('process-image'), 'evaluate-image': open('evaluate-image'), 'purge-image': open('purge-image') };
}

/**
 * Adds the job for one outbox row.
 * - process-image, purge-image: job id `<topic>-<imageId>`, so a relay that sends the same row twice makes one job;
 *   a job with that id that has failed for good is retried, so the outbox's resends can revive it.
 * - evaluate-image: deduplicated per image while waiting, so a burst of reports makes one job. The
 *   processor releases the deduplication key as it starts (BullMQ's "until job is active" pattern): a report
 *   arriving during an evaluation makes a new job, which another worker may run at once even if the running
 *   one hangs or its process died (evaluations of one image serialise on its row lock).
 */
export async function addJob(queues: Queues, topic: JobTopic, imageId: string, requestId?: string | null): Promise<void> {
  if (topic !== 'evaluate-image') {
    const data: ImageJob = requestId ? { imageId, requestId } : { imageId };
    const jobId = `${topic}-${imageId}`;
    // A job that used up its attempts (storage or database down for a while) keeps its id in the failed set,
    // where adding it again would do nothing: an outbox resend retries it instead.
    const failed = await queues[topic].getJob(jobId);
    if (failed && (await failed.isFailed())) {
      await failed.retry('failed', { resetAttemptsMade: true });
      return;
    }
    await queues[topic].add(topic, data, { jobId });
    return;
  }
  const job = evaluateJob(imageId, requestId);
  await queues['evaluate-image'].add(job.name, job.data, job.opts);
}

/** The name, data and options of an image's evaluate-image job (see addJob). */
function evaluateJob(imageId: string, requestId?: string | null) {
  const data: ImageJob = requestId ? { imageId, requestId } : { imageId };
  return { name: 'evaluate-image', data, opts: { deduplication: { id: `evaluate-${imageId}` } } };
}

/**
 * Adds the jobs of several outbox rows, as addJob does for each; the evaluate-image jobs go to Redis together, in one
 * pipelined round trip (BullMQ's addBulk), since a relay batch is mostly evaluations.
 */
export async function addJobs(
  queues: Queues,
  rows: ReadonlyArray<{ topic: JobTopic; imageId: string; requestId?: string | null }>,
): Promise<void> {
  const evaluations = rows.filter((row) => row.topic === 'evaluate-image');
  await Promise.all([
    evaluations.length === 0
      ? undefined
      : queues['evaluate-image'].addBulk(evaluations.map((row) => evaluateJob(row.imageId, row.requestId))),
    ...rows.filter((row) => row.topic !== 'evaluate-image').map((row) => addJob(queues, row.topic, row.imageId, row.requestId)),
  ]);
}

/** States in which a job will still run, or is running (a stalled active job is moved back by BullMQ). */
const PENDING_STATES: ReadonlySet<string> = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * True when the job addJob would add for (topic, image) is already in Redis and will still run: its job id
 * (process-image, purge-image), or the job the image's deduplication key names (evaluate-image) is waiting,
 * delayed or active. The outbox relay asks before a resend, so a row whose job is merely queued behind a backlog
 * is not sent again.
 */
export async function isJobPending(queues: Queues, topic: JobTopic, imageId: string): Promise<boolean> {
  const jobId =
    topic === 'evaluate-image' ? await queues['evaluate-image'].getDeduplicationJobId(`evaluate-${imageId}`) : `${topic}-${imageId}`;
  return jobId !== null && PENDING_STATES.has(await queues[topic].getJobState(jobId));
}

/** Closes every producer queue. */
export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}
