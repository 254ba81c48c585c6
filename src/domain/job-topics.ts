/**
 * The kinds of background work: each is a BullMQ queue name and an outbox topic. The outbox (db/) records the
 * work in the same transaction as the change that needs it; the queues (queues/) carry it to the workers.
 */

/** Job kinds: make an upload's derivatives, recount an image's reports, delete a removed image's files. */
export const JOB_TOPICS = ['process-image', 'evaluate-image', 'purge-image'] as const;
export type JobTopic = (typeof JOB_TOPICS)[number];

/** The names these jobs had before release 0.2, still accepted by `--jobs` (migration 019 renamed the outbox rows). */
export const FORMER_JOB_TOPICS: Readonly<Record<string, JobTopic>> = {
  thumbnail: 'process-image',
  'evaluate-reports': 'evaluate-image',
};

/** Every job's payload: the image it concerns. Everything else is read from PostgreSQL when it runs. */
export interface ImageJob {
  imageId: string;
  /** The HTTP request that caused the job (its X-Request-Id), for the job's log lines; absent for system jobs. */
  requestId?: string;
}
