/**
 * Dispatches due webhook deliveries to the deliver-webhook queue, as a step of the outbox relay (woken by the same
 * NOTIFY, polled at the same interval): claim (committed), publish with no transaction open, and release the claim
 * when Redis refused, so a Redis outage delays deliveries but loses none.
 */
import type { Queue } from 'bullmq';
import type { Deps } from '../src/deps.js';
import { claimDueDeliveries, releaseDispatch } from '../src/db/webhooks.repository.js';
import { addDeliveryJob, type WebhookJob } from '../src/queues/webhook-queue.js';
import { withTimeout } from '../src/timeout.js';

export const DISPATCH_BATCH_SIZE = 200;
/** A dispatched delivery whose attempt has not happened after this long is dispatched again (its job was lost). */
const REDISPATCH_AFTER_MS = 5 * 60_000;
/**
 * Deliveries of one endpoint on the queue or being attempted at once. One endpoint that is down or hangs then holds
 * at most this many of the WEBHOOK_CONCURRENCY slots for WEBHOOK_TIMEOUT_MS, whatever the number of images its
 * events are about, and never delays other endpoints; two keep a healthy endpoint's deliveries flowing while one
 * answer is on its way.
 */
export const ATTEMPTS_PER_ENDPOINT = 2;

/**
 * Deliveries of one site on the queue or being attempted at once: half the slots (at least an endpoint's two), so
 * a site whose many endpoints all hang still leaves the other half to every other site.
 */
export function attemptsPerSite(webhookConcurrency: number): number {
  return Math.max(ATTEMPTS_PER_ENDPOINT, Math.floor(webhookConcurrency / 2));
}

/**
 * Dispatches one batch of due deliveries.
 * @returns how many it dispatched (DISPATCH_BATCH_SIZE means there may be more)
 * @throws when Redis does not accept the jobs within `addTimeoutMs` (the claims are released first)
 */
export async function dispatchWebhooks(
  deps: Pick<Deps, 'pool' | 'config'>,
  queue: Queue<WebhookJob>,
  addTimeoutMs: number,
): Promise<number> {
  const due = await claimDueDeliveries(deps.pool, {
    limit: DISPATCH_BATCH_SIZE,
    redispatchAfterMs: REDISPATCH_AFTER_MS,
    perEndpoint: ATTEMPTS_PER_ENDPOINT,
    perSite: attemptsPerSite(deps.config.WEBHOOK_CONCURRENCY),
  });
  if (due.length === 0) return 0;
  try {
    await withTimeout(Promise.all(due.map((dispatch) => addDeliveryJob(queue, dispatch))), addTimeoutMs, 'Redis');
  } catch (error) {
    await releaseDispatch(
      deps.pool,
      due.map((dispatch) => dispatch.id),
    ).catch(() => undefined);
    throw error;
  }
  return due.length;
}
