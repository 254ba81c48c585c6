-- Webhooks: the endpoints a site registers, and one delivery row per event and endpoint (the delivery log).
-- A delivery row is written in the transaction of the status change it announces, so an event is never lost;
-- the outbox relay dispatches due rows to the deliver-webhook queue (workers/webhook-dispatch.ts).

CREATE TABLE webhook_endpoints (
  id          uuid PRIMARY KEY,
  -- The site that owns the endpoint (sites.id once that table exists; no foreign key yet).
  site_id     text NOT NULL,
  url         text NOT NULL CHECK (url ~ '^https?://'),
  -- `whsec_` + base64 secrets, newest last; two during a rotation, each signing every delivery.
  secrets     text[] NOT NULL CHECK (cardinality(secrets) BETWEEN 1 AND 2),
  event_types text[] NOT NULL CHECK (cardinality(event_types) >= 1),
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_by_site ON webhook_endpoints (site_id) WHERE enabled;

CREATE TABLE webhook_deliveries (
  id               bigserial PRIMARY KEY,
  endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  -- The `webhook-id` header: the same for every attempt and every endpoint of one event, and for a redelivery.
  event_id         text NOT NULL,
  event_type       text NOT NULL,
  image_id         uuid NOT NULL,
  -- The body sent: { type, timestamp, data }.
  payload          jsonb NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  last_status_code integer,
  last_latency_ms  integer,
  last_error       text,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  -- When the relay last put an attempt on the queue, and how many times it did (the job id's suffix).
  dispatched_at    timestamptz,
  dispatch_count   integer NOT NULL DEFAULT 0,
  -- A worker attempting the delivery holds it until then (its per-attempt timeout and some).
  attempting_until timestamptz,
  delivered_at     timestamptz,
  failed_at        timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);
-- The relay's scan: due, undelivered rows.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
-- Order per image per endpoint: an open delivery waits for every earlier open one of its (endpoint, image).
CREATE INDEX webhook_deliveries_open_in_order ON webhook_deliveries (endpoint_id, image_id, id) WHERE delivered_at IS NULL AND failed_at IS NULL;
-- The delivery log, newest first.
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, id DESC);
