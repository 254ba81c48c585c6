/** deliver-webhook jobs: one attempt at one delivery; a finished one lets the next about the same image go at once. */
import type { Job } from 'bullmq';
import type { Deps } from '../src/deps.js';
import { wakeOutboxRelay } from '../src/db/outbox.repository.js';
import type { WebhookJob } from '../src/queues/webhook-queue.js';
import { attemptDelivery, type AttemptResult } from '../src/webhooks/deliver-webhook.js';

/** The processor: attempts the delivery, then wakes the relay when it finished (delivered or given up). */
export function deliverWebhookProcessor(deps: Pick<Deps, 'pool' | 'config'>): (job: Job<WebhookJob>) => Promise<AttemptResult> {
  return async (job) => {
    const result = await attemptDelivery(deps, job.data.deliveryId);
    if (result === 'delivered' || result === 'given_up') wakeOutboxRelay(deps.pool);
    return result;
  };
}
