/**
 * SQL for webhook endpoints and the delivery log. A delivery row is the event's outbox row for one endpoint: written
 * in the transaction of the change it announces, dispatched to the queue by the relay when due, and attempted by
 * a worker that holds it for the attempt. Order per (endpoint, image): only the oldest open delivery of a pair is
 * ever dispatched or attempted ("open": neither delivered nor given up).
 */
import type { WebhookEventType } from '../domain/webhook-events.js';
import type { Queryable } from './pool.js';

export interface WebhookEndpointRow {
  id: string;
  siteId: string;
  url: string;
  /** `whsec_…` secrets, newest last. */
  secrets: string[];
  eventTypes: WebhookEventType[];
  enabled: boolean;
  createdAt: Date;
}

export interface WebhookDeliveryRow {
  id: number;
  endpointId: string;
  eventId: string;
  eventType: WebhookEventType;
  imageId: string;
  payload: Record<string, unknown>;
  attempts: number;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  failedAt: Date | null;
  createdAt: Date;
}

const ENDPOINT_COLUMNS = `id, site_id AS "siteId", url, secrets, event_types AS "eventTypes", enabled, created_at AS "createdAt"`;
const DELIVERY_COLUMNS = `id::int, endpoint_id AS "endpointId", event_id AS "eventId", event_type AS "eventType", image_id AS "imageId",
  payload, attempts, last_status_code AS "lastStatusCode", last_latency_ms AS "lastLatencyMs", last_error AS "lastError",
  next_attempt_at AS "nextAttemptAt", delivered_at AS "deliveredAt", failed_at AS "failedAt", created_at AS "createdAt"`;

/** An open delivery with no earlier open delivery of its (endpoint, image): the only one that may be attempted. */
const IS_HEAD = `NOT EXISTS (
  SELECT 1 FROM webhook_deliveries e
  WHERE e.endpoint_id = d.endpoint_id AND e.image_id = d.image_id AND e.id < d.id AND e.delivered_at IS NULL AND e.failed_at IS NULL)`;

/**
 * Inserts an endpoint, unless its site has `maxPerSite` endpoints already (enabled or not).
 * @returns the endpoint, or null when the site has no room
 */
export async function insertWebhookEndpoint(
  db: Queryable,
  endpoint: Pick<WebhookEndpointRow, 'id' | 'siteId' | 'url' | 'secrets' | 'eventTypes'> & { maxPerSite: number },
): Promise<WebhookEndpointRow | null> {
  const result = await db.query<WebhookEndpointRow>(
    `INSERT INTO webhook_endpoints (id, site_id, url, secrets, event_types)
     SELECT $1, $2, $3, $4, $5 WHERE (SELECT count(*) FROM webhook_endpoints WHERE site_id = $2) < $6
     RETURNING ${ENDPOINT_COLUMNS}`,
    [endpoint.id, endpoint.siteId, endpoint.url, endpoint.secrets, endpoint.eventTypes, endpoint.maxPerSite],
  );
  return result.rows[0] ?? null;
}

/** Reads one endpoint, or null. */
export async function findWebhookEndpoint(db: Queryable, id: string): Promise<WebhookEndpointRow | null> {
  const result = await db.query<WebhookEndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [id]);
  return result.rows[0] ?? null;
}

/** Adds a secret as the newest and keeps only the two newest (the rotation window). @returns the endpoint, or null */
export async function addWebhookSecret(db: Queryable, input: { id: string; secret: string }): Promise<WebhookEndpointRow | null> {
  const result = await db.query<WebhookEndpointRow>(
    `UPDATE webhook_endpoints SET secrets = (secrets || $2::text)[greatest(1, cardinality(secrets)):]
     WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
    [input.id, input.secret],
  );
  return result.rows[0] ?? null;
}

/** Drops every secret but the newest (ends a rotation). @returns the endpoint, or null */
export async function dropOldWebhookSecrets(db: Queryable, id: string): Promise<WebhookEndpointRow | null> {
  const result = await db.query<WebhookEndpointRow>(
    `UPDATE webhook_endpoints SET secrets = secrets[cardinality(secrets):] WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
    [id],
  );
  return result.rows[0] ?? null;
}

/**
 * SQL condition: the endpoint aliased `alias` takes deliveries: it is enabled, and its site is not disabled. An
 * admin who disables a site (a host site's key in the wrong hands, say) stops its webhooks with it: no new
 * deliveries are written for its endpoints, and their open ones wait, as a disabled endpoint's do, until the site
 * is active again.
 */
export function takesDeliveries(alias: string): string {
  return `${alias}.enabled AND NOT EXISTS (SELECT 1 FROM sites AS s WHERE s.id = ${alias}.site_id AND s.status = 'disabled')`;
}

/** Turns an endpoint on or off; a disabled endpoint gets no new deliveries, and its open ones wait. */
export async function setWebhookEndpointEnabled(db: Queryable, input: { id: string; enabled: boolean }): Promise<boolean> {
  const result = await db.query('UPDATE webhook_endpoints SET enabled = $2 WHERE id = $1', [input.id, input.enabled]);
  return (result.rowCount ?? 0) > 0;
}

/**
 * Writes one delivery per endpoint of the site that takes deliveries (takesDeliveries) and is subscribed to the
 * event's type, inside the caller's transaction. @returns how many deliveries it wrote
 */
export async function insertDeliveries(
  db: Queryable,
  event: { siteId: string; eventId: string; eventType: WebhookEventType; imageId: string; payload: Record<string, unknown> },
): Promise<number> {
  const result = await db.query(
    `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, image_id, payload)
     SELECT w.id, $2, $3, $4, $5 FROM webhook_endpoints AS w
     WHERE w.site_id = $1 AND ${takesDeliveries('w')} AND $3 = ANY (w.event_types)
     ORDER BY id`,
    [event.siteId, event.eventId, event.eventType, event.imageId, JSON.stringify(event.payload)],
  );
  return result.rowCount ?? 0;
}

/**
 * Claims due deliveries to put on the queue (one statement, committed at once): open, due, the oldest open one
 * of their (endpoint, image), of an endpoint that takes deliveries, and not dispatched within `redispatchAfterMs` (a job lost
 * with Redis's data is dispatched again then). At most `perEndpoint` deliveries of one endpoint, and `perSite` of
 * one site, are on the queue or being attempted at once, so endpoints that hang hold that many of the workers'
 * slots and no more, however many images their events are about and however many endpoints the site registered
 * (a disabled endpoint's queued jobs, which will be skipped unattempted, stop counting; its attempts under way do
 * not). Rows another relay is claiming are skipped.
 * @returns each claimed delivery's id and its dispatch count (the job id's suffix), oldest first
 */
export async function claimDueDeliveries(
  db: Queryable,
  options: { limit: number; redispatchAfterMs: number; perEndpoint: number; perSite: number },
): Promise<{ id: number; dispatchCount: number }[]> {
  const due = `d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= now()
         AND (d.dispatched_at IS NULL OR d.dispatched_at < now() - $2 * interval '1 millisecond')
         AND (d.attempting_until IS NULL OR d.attempting_until < now())`;
  const result = await db.query<{ id: number; dispatchCount: number }>(
    `WITH due AS (
       SELECT d.id, d.endpoint_id, w.site_id, row_number() OVER (PARTITION BY d.endpoint_id ORDER BY d.id) AS place
       FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id AND ${takesDeliveries('w')}
       WHERE ${due} AND ${IS_HEAD}),
     busy AS (
       SELECT f.endpoint_id, w.site_id FROM webhook_deliveries f JOIN webhook_endpoints w ON w.id = f.endpoint_id
       WHERE w.site_id IN (SELECT site_id FROM due) AND f.delivered_at IS NULL AND f.failed_at IS NULL
         AND (f.attempting_until >= now() OR (${takesDeliveries('w')} AND f.dispatched_at >= now() - $2 * interval '1 millisecond'))),
     endpoint_room AS (
       SELECT due.id, due.site_id FROM due
       WHERE due.place + (SELECT count(*) FROM busy WHERE busy.endpoint_id = due.endpoint_id) <= $3),
     site_room AS (
       SELECT ranked.id FROM (
         SELECT id, site_id, row_number() OVER (PARTITION BY site_id ORDER BY id) AS place FROM endpoint_room) ranked
       WHERE ranked.place + (SELECT count(*) FROM busy WHERE busy.site_id = ranked.site_id) <= $4)
     UPDATE webhook_deliveries SET dispatched_at = now(), dispatch_count = dispatch_count + 1
     WHERE id IN (
       SELECT d.id FROM webhook_deliveries d
       WHERE d.id IN (SELECT id FROM site_room) AND ${due}
       ORDER BY d.id LIMIT $1 FOR UPDATE OF d SKIP LOCKED)
     RETURNING id::int, dispatch_count AS "dispatchCount"`,
    [options.limit, options.redispatchAfterMs, options.perEndpoint, options.perSite],
  );
  return result.rows.sort((a, b) => a.id - b.id);
}

/** Lets the relay dispatch these deliveries again at once (their jobs could not be queued). */
export async function releaseDispatch(db: Queryable, ids: readonly number[]): Promise<void> {
  await db.query('UPDATE webhook_deliveries SET dispatched_at = NULL WHERE id = ANY($1::bigint[])', [ids]);
}

/** A delivery held for one attempt, with what sending it needs. */
export interface HeldDelivery extends WebhookDeliveryRow {
  url: string;
  secrets: string[];
}

/**
 * Holds a delivery for one attempt until `holdMs` from now, if it is still open, due, the oldest open one of its
 * (endpoint, image), of an endpoint that takes deliveries, and not held by another worker. @returns it, or null (nothing to do)
 */
export async function holdDelivery(db: Queryable, input: { id: number; holdMs: number }): Promise<HeldDelivery | null> {
  const result = await db.query<HeldDelivery>(
    `WITH held AS (
       UPDATE webhook_deliveries d SET attempting_until = now() + $2 * interval '1 millisecond'
       FROM webhook_endpoints w
       WHERE d.id = $1 AND w.id = d.endpoint_id AND ${takesDeliveries('w')}
         AND d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= now()
         AND (d.attempting_until IS NULL OR d.attempting_until < now())
         AND ${IS_HEAD}
       RETURNING d.*, w.url AS endpoint_url, w.secrets AS endpoint_secrets)
     SELECT ${DELIVERY_COLUMNS}, endpoint_url AS url, endpoint_secrets AS secrets FROM held`,
    [input.id, input.holdMs],
  );
  return result.rows[0] ?? null;
}

/** The outcome of one attempt, recorded on the delivery. */
export interface AttemptOutcome {
  id: number;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** Delivered (2xx), retry after `retryInMs`, or given up. */
  result: { kind: 'delivered' } | { kind: 'retry'; retryInMs: number } | { kind: 'given_up' };
}

/** Records an attempt and releases the hold: delivered, due again later, or given up. */
export async function recordAttempt(db: Queryable, outcome: AttemptOutcome): Promise<void> {
  const { result } = outcome;
  await db.query(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = $2, last_latency_ms = $3, last_error = $4,
       attempting_until = NULL, dispatched_at = NULL,
       delivered_at = CASE WHEN $5 = 'delivered' THEN now() END,
       failed_at = CASE WHEN $5 = 'given_up' THEN now() END,
       next_attempt_at = CASE WHEN $5 = 'retry' THEN now() + $6 * interval '1 millisecond' ELSE next_attempt_at END
     WHERE id = $1`,
    [
      outcome.id,
      outcome.statusCode,
      Math.round(outcome.latencyMs),
      outcome.error,
      result.kind,
      result.kind === 'retry' ? result.retryInMs : 0,
    ],
  );
}

/** A site's endpoints, oldest first. */
export async function listWebhookEndpoints(db: Queryable, siteId: string): Promise<WebhookEndpointRow[]> {
  const result = await db.query<WebhookEndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE site_id = $1 ORDER BY created_at, id`,
    [siteId],
  );
  return result.rows;
}

/** Reads one delivery, or null. */
export async function findDelivery(db: Queryable, id: number): Promise<WebhookDeliveryRow | null> {
  const result = await db.query<WebhookDeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1`, [id]);
  return result.rows[0] ?? null;
}

/** An endpoint's delivery log, newest first. */
export async function listDeliveries(db: Queryable, input: { endpointId: string; limit: number }): Promise<WebhookDeliveryRow[]> {
  const result = await db.query<WebhookDeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2`,
    [input.endpointId, input.limit],
  );
  return result.rows;
}

/**
 * Queues a finished delivery (delivered or given up) again as a new delivery of the same event (same `webhook-id`,
 * so a receiver that keeps ids recognises it), after every open one of its (endpoint, image).
 * @returns the new delivery's id, or null when there is no such delivery or it is still open
 */
export async function copyDelivery(db: Queryable, id: number): Promise<number | null> {
  const result = await db.query<{ id: number }>(
    `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, image_id, payload)
     SELECT endpoint_id, event_id, event_type, image_id, payload FROM webhook_deliveries
     WHERE id = $1 AND (delivered_at IS NOT NULL OR failed_at IS NOT NULL)
     RETURNING id::int`,
    [id],
  );
  return result.rows[0]?.id ?? null;
}

/** Deletes deliveries finished (delivered or given up) more than `olderThanMs` ago (housekeeping). @returns rows deleted */
export async function pruneFinishedDeliveries(db: Queryable, olderThanMs: number): Promise<number> {
  const result = await db.query(
    `DELETE FROM webhook_deliveries
     WHERE coalesce(delivered_at, failed_at) < now() - $1 * interval '1 millisecond'`,
    [olderThanMs],
  );
  return result.rowCount ?? 0;
}
