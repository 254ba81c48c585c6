-- Sites as tenants: each host site owns its images, readers, API keys and thresholds. The first-party site
-- `default` (the operator's own: JWT_SECRET users) owns every image that existed before.

CREATE TABLE sites (
  id                        text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
  name                      text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  -- Browser origins whose pages embed the widget for this site (scheme://host[:port]).
  allowed_origins           text[] NOT NULL DEFAULT '{}',
  -- Reader token issuer: iss and aud of the site's signed reader tokens; NULL when it signs none.
  issuer                    text UNIQUE,
  audience                  text NOT NULL DEFAULT 'imgmod',
  -- [{ "secret": "…" }] (HS256) or [{ "jwksUrl": "…", "algorithms": ["ES256"] }]; several during a rotation.
  reader_keys               jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(reader_keys) = 'array'),
  anonymous_reports         text NOT NULL DEFAULT 'off' CHECK (anonymous_reports IN ('on', 'off')),
  -- { "autoBlockThreshold"?: n, "reasonThresholds"?: { reason: n } }, clamped to the policy's bounds when read.
  thresholds                jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(thresholds) = 'object'),
  share_blocklist           boolean NOT NULL DEFAULT true,
  pool_reports_across_sites boolean NOT NULL DEFAULT false,
  status                    text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  -- The circuit breaker: when it last tripped (open until SITE_BREAKER_COOLDOWN later) and last reset.
  breaker_tripped_at        timestamptz,
  breaker_reset_at          timestamptz,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now()
);

INSERT INTO sites (id, name) VALUES ('default', 'First-party (the operator''s own)');

ALTER TABLE images ADD COLUMN site_id text REFERENCES sites (id);
UPDATE images SET site_id = 'default';
ALTER TABLE images ALTER COLUMN site_id SET NOT NULL;
CREATE INDEX images_site_idx ON images (site_id, created_at DESC, id DESC);
