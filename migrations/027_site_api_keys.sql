-- A site's server authenticates with API keys: random, shown once, stored as their SHA-256 only.
CREATE TABLE site_api_keys (
  id           uuid PRIMARY KEY,
  site_id      text NOT NULL REFERENCES sites (id),
  -- The key's first characters (`imk_news_AbCd`), to tell keys apart in listings; never enough to use it.
  prefix       text NOT NULL,
  key_hash     char(64) NOT NULL UNIQUE,
  label        text NOT NULL DEFAULT '' CHECK (char_length(label) <= 200),
  created_by   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX site_api_keys_site_idx ON site_api_keys (site_id, created_at);
