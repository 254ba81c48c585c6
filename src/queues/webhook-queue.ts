/**
 * The deliver-webhook queue's producer side. Its own queue, apart from the image jobs (queues.ts), so a slow or
 * failing endpoint never delays moderation work; each job is one attempt at one delivery (the delivery's id only),
 * and retries are scheduled in PostgreSQL (webhook_deliveries.next_attempt_at), not by BullMQ.
 */
import { Queue, type ConnectionOptions } from 'bullmq';

export const WEBHOOK_QUEUE = 'deliver-webhook';

/** A deliver-webhook job: the delivery to attempt. */
export interface WebhookJob {
  deliveryId: number;
}

/** BullMQ retries a job only when the database failed it (an endpoint's failure is recorded, not thrown). */
const JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
} as const;

/** Opens the producer queue. @param onError receives connection errors (logged by the caller) */
export function createWebhookQueue(connection: ConnectionOptions, prefix: string, onError: (error: Error) => void): Queue<WebhookJob> {
  const queue = new Queue<WebhookJob>(WEBHOOK_QUEUE, { connection, prefix, defaultJobOptions: JOB_OPTIONS });
  queue.on('error', onError);
  return queue;
}

/**
 * Adds one attempt's job. Its id is `webhook-<delivery>-<dispatch count>`: the same dispatch added twice makes one
 * job, while a later dispatch of the same delivery (a retry) makes a new one.
 */
export async function addDeliveryJob(queue: Queue<WebhookJob>, dispatch: { id: number; dispatchCount: number }): Promise<void> {
  await queue.add(WEBHOOK_QUEUE, { deliveryId: dispatch.id }, { jobId: `webhook-${dispatch.id}-${dispatch.dispatchCount}` });
}
