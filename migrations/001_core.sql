-- Core tables: images, reports (one open report per reader and image), the audit log and the outbox.

CREATE TABLE images (
  id             uuid PRIMARY KEY,
  uploader_id    text NOT NULL,
  status         text NOT NULL CHECK (status IN ('processing', 'visible', 'auto_blocked', 'blocked', 'removed', 'failed')),
  sha256         char(64) NOT NULL,
  bytes          integer NOT NULL CHECK (bytes > 0),
  mime_type      text NOT NULL,
  format         text,
  width          integer,
  height         integer,
  frames         integer NOT NULL DEFAULT 1,
  storage_key    text NOT NULL,
  thumbnail_key  text,
  failure_reason text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX images_status_idx ON images (status, updated_at);
CREATE INDEX images_sha256_idx ON images (sha256);

CREATE TABLE reports (
  id          uuid PRIMARY KEY,
  image_id    uuid NOT NULL REFERENCES images (id),
  reporter_id text NOT NULL,
  reason      text NOT NULL CHECK (reason IN ('spam', 'nudity', 'violence', 'hate', 'harassment', 'copyright', 'illegal', 'other')),
  note        text CHECK (char_length(note) <= 500),
  weight      numeric(6, 3) NOT NULL CHECK (weight >= 0),
  status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'dismissed')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  decided_at  timestamptz
);
-- One open report per reader and image: a second click is a duplicate, not a second vote.
CREATE UNIQUE INDEX reports_one_open_per_reporter ON reports (image_id, reporter_id) WHERE status = 'open';
CREATE INDEX reports_reporter_idx ON reports (reporter_id, created_at);

-- The audit log: append-only, one row per status change or decision. actor_id NULL means the system.
CREATE TABLE moderation_events (
  id          bigserial PRIMARY KEY,
  image_id    uuid NOT NULL REFERENCES images (id),
  actor_id    text,
  action      text NOT NULL,
  from_status text,
  to_status   text NOT NULL,
  reason      text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX moderation_events_image_idx ON moderation_events (image_id, id);

-- Transactional outbox: rows written with the change that needs a job; the relay turns them into BullMQ jobs.
CREATE TABLE outbox (
  id         bigserial PRIMARY KEY,
  topic      text NOT NULL,
  image_id   uuid NOT NULL REFERENCES images (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE sent_at IS NULL;
