/**
 * Use case: record a webhook event for a site, inside the transaction of the change it announces, as one delivery
 * per subscribed endpoint (db/webhooks.repository.ts). Nothing leaves the process here: after the transaction
 * commits, the caller wakes the outbox relay (wakeOutboxRelay), which dispatches the deliveries; its poll finds
 * them anyway if the wake-up is lost.
 */
import { randomUUID } from 'node:crypto';
import type { ImageStatus } from '../domain/image-status.js';
import { imageEventType, type WebhookEventType } from '../domain/webhook-events.js';
import { insertDeliveries } from '../db/webhooks.repository.js';
import type { Queryable } from '../db/pool.js';

/** The site an image belongs to (images.site_id), read in the caller's transaction; null for an unknown image. */
export async function siteOfImage(db: Queryable, imageId: string): Promise<string | null> {
  const result = await db.query<{ siteId: string }>('SELECT site_id AS "siteId" FROM images WHERE id = $1', [imageId]);
  return result.rows[0]?.siteId ?? null;
}

/**
 * A new event's id (the `webhook-id` header, `msg_…`) and body: `{ type, timestamp, data: { imageId, ...data } }`
 * (Standard Webhooks' recommended payload shape). For a statement that writes the deliveries itself
 * (reports.repository insertReportsWithJobs); enqueueImageEvent uses it too.
 */
export function newImageEvent(event: { imageId: string; type: WebhookEventType; data?: Record<string, unknown> }): {
  eventId: string;
  eventType: WebhookEventType;
  payload: Record<string, unknown>;
} {
  return {
    eventId: `msg_${randomUUID().replaceAll('-', '')}`,
    eventType: event.type,
    payload: { type: event.type, timestamp: new Date().toISOString(), data: { imageId: event.imageId, ...event.data } },
  };
}

/**
 * Records an event about an image for every enabled endpoint of `siteId` subscribed to `type`. Call it inside the
 * transaction that makes the change, then wake the relay once it commits. The body sent is
 * `{ type, timestamp, data: { imageId, ...data } }` (Standard Webhooks' recommended payload shape).
 * @returns the event id (the `webhook-id` header) and how many deliveries were written
 */
export async function enqueueImageEvent(
  db: Queryable,
  event: { imageId: string; siteId: string; type: WebhookEventType; data?: Record<string, unknown> },
): Promise<{ eventId: string; deliveries: number }> {
  const { eventId, payload } = newImageEvent(event);
  const deliveries = await insertDeliveries(db, {
    siteId: event.siteId,
    eventId,
    eventType: event.type,
    imageId: event.imageId,
    payload,
  });
  return { eventId, deliveries };
}

/**
 * The webhook event an image status change announces (domain/webhook-events.ts `imageEventType`), as newImageEvent
 * makes it, with `data: { status, previousStatus }`; null when the change announces none.
 */
export function statusChangeEvent(change: {
  imageId: string;
  from: ImageStatus;
  to: ImageStatus;
}): ReturnType<typeof newImageEvent> | null {
  const type = imageEventType(change.from, change.to);
  if (!type) return null;
  return newImageEvent({ imageId: change.imageId, type, data: { status: change.to, previousStatus: change.from } });
}

/**
 * Records the event an image status change announces (statusChangeEvent), if any, for the image's site. Call it in
 * the transaction of the status change, right after the guarded UPDATE succeeded.
 */
export async function enqueueStatusEvent(db: Queryable, change: { imageId: string; from: ImageStatus; to: ImageStatus }): Promise<void> {
  const event = statusChangeEvent(change);
  if (!event) return;
  const siteId = await siteOfImage(db, change.imageId);
  if (!siteId) return;
  await insertDeliveries(db, { siteId, imageId: change.imageId, ...event });
}
