/** Use case: deliver a webhook again, on a site's or an operator's request. */
import type { Deps } from '../deps.js';
import { wakeOutboxRelay } from '../db/outbox.repository.js';
import { copyDelivery, findDelivery } from '../db/webhooks.repository.js';
import { notFound } from '../errors.js';

/**
 * Queues delivery `id` again. A finished one (delivered or given up) becomes a new delivery of the same event (same
 * `webhook-id`), placed after any open deliveries about the same image to that endpoint; an open one is made due
 * now. The relay is woken to dispatch it.
 * @returns the id of the delivery that will be attempted
 * @throws AppError 404 for an unknown delivery
 */
export async function redeliverWebhook(deps: Pick<Deps, 'pool'>, id: number): Promise<number> {
  const delivery = await findDelivery(deps.pool, id);
  if (!delivery) throw notFound('webhook delivery');
  let next: number | null = id;
  if (delivery.deliveredAt || delivery.failedAt) next = await copyDelivery(deps.pool, id);
  else
    await deps.pool.query(
      'UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = $1 AND delivered_at IS NULL AND failed_at IS NULL',
      [id],
    );
  if (next === null) throw notFound('webhook delivery');
  wakeOutboxRelay(deps.pool);
  return next;
}
