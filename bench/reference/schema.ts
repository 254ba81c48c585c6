/** The reference services' own tables (`ref_*`), created by whichever starts first. */
export const REFERENCE_SCHEMA = `
CREATE TABLE IF NOT EXISTS ref_images (id uuid PRIMARY KEY, status text NOT NULL DEFAULT 'visible', created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS ref_reports (
  id bigserial PRIMARY KEY, image_id uuid NOT NULL REFERENCES ref_images (id), reporter_id text NOT NULL, reason text NOT NULL,
  note text, created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (image_id, reporter_id));
CREATE TABLE IF NOT EXISTS ref_outbox (id bigserial PRIMARY KEY, image_id uuid NOT NULL, topic text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), done_at timestamptz);
CREATE INDEX IF NOT EXISTS ref_outbox_open ON ref_outbox (image_id) WHERE done_at IS NULL;
CREATE TABLE IF NOT EXISTS ref_events (id bigserial PRIMARY KEY, image_id uuid NOT NULL, action text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS ref_uploads (id uuid PRIMARY KEY, sha256 char(64) NOT NULL, bytes integer NOT NULL, storage_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
`;
