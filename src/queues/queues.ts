/**
 * The job queues: names, payloads and the producer side. Jobs carry ids only and are safe to run twice.
 * The only module that creates BullMQ Queues; workers/ consume them.
 */
import { Queue, type ConnectionOptions } from 'bullmq';

/** Job kinds, which are also queue names and outbox topics. */
export const JOB_TOPICS = ['thumbnail', 'evaluate-reports', 'purge-image'] as const;
export type JobTopic = (typeof JOB_TOPICS)[number];

/** Every job's payload: the image it concerns. Everything else is read from PostgreSQL when it runs. */
export interface ImageJob {
  imageId: string;
  /** The HTTP request that caused the job (its X-Request-Id), for the job's log lines; absent for system jobs. */
  requestId?: string;
}

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
  return { thumbnail: open('thumbnail'), 'evaluate-reports': open('evaluate-reports'), 'purge-image': open('purge-image') };
}

/**
 * Adds the job for one outbox row.
 * - thumbnail, purge-image: job id `<topic>-<imageId>`, so a relay that sends the same row twice makes one job;
 *   a job with that id that has failed for good is retried, so the outbox's resends can revive it.
 * - evaluate-reports: deduplicated per image while waiting, so a burst of reports makes one job. The
 *   processor releases the deduplication key as it starts (BullMQ's "until job is active" pattern): a report
 *   arriving during an evaluation makes a new job, which another worker may run at once even if the running
 *   one hangs or its process died (evaluations of one image serialise on its row lock).
 */
export async function addJob(queues: Queues, topic: JobTopic, imageId: string, requestId?: string | null): Promise<void> {
  const data: ImageJob = requestId ? { imageId, requestId } : { imageId };
  if (topic !== 'evaluate-reports') {
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
  await queues['evaluate-reports'].add(
    'evaluate-reports',
    data,
    { deduplication: { id: `evaluate-${imageId}` } },
  );
}

/** Closes every producer queue. */
export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}
