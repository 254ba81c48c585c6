-- PDQ replaces the 64-bit pHash (README "Near-duplicate matching" has the measurement), and the block list
-- becomes hash banks: named sets of PDQ hashes, each with a match distance and an action.

ALTER TABLE images DROP COLUMN phash;
ALTER TABLE images
  -- PDQ of the picture as displayed; NULL until processed.
  ADD COLUMN pdq          bit(256),
  -- PDQ's quality score (0–100); below 50 the picture is too plain to match on, and it is not indexed.
  ADD COLUMN pdq_quality  smallint CHECK (pdq_quality BETWEEN 0 AND 100),
  -- The hash in each of the eight orientations (PDQ's order, the first is pdq): what a lookup for this image asks.
  ADD COLUMN pdq_oriented bit(256)[],
  -- The crop ladder's hashes, { "cut-top-10": "<64 hex digits>", … }: copied into a bank when the picture is upheld.
  ADD COLUMN pdq_crops    jsonb;

-- Multi-index hashing over every indexed image's pdq: 16 chunks of 16 bits, so any hash within 15 bits shares
-- at least one exact (chunk, value) row with its query. Only pictures of quality ≥ 50 are indexed.
CREATE TABLE image_pdq_chunks (
  chunk    smallint NOT NULL CHECK (chunk BETWEEN 0 AND 15),
  value    integer  NOT NULL CHECK (value BETWEEN 0 AND 65535),
  image_id uuid     NOT NULL REFERENCES images (id),
  PRIMARY KEY (chunk, value, image_id)
);
CREATE INDEX image_pdq_chunks_image_idx ON image_pdq_chunks (image_id);

CREATE TABLE hash_banks (
  id           serial PRIMARY KEY,
  name         text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  action       text NOT NULL CHECK (action IN ('auto_block', 'review', 'allow')),
  -- Largest Hamming distance (bits of 256) that is a match; the multi-index finds every match up to 15.
  max_distance smallint NOT NULL CHECK (max_distance BETWEEN 0 AND 15),
  description  text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
  created_at   timestamptz NOT NULL DEFAULT now()
);
-- The bank the moderators feed: upholding or removing a picture adds its hashes, restoring it takes them out.
INSERT INTO hash_banks (name, action, max_distance, description)
VALUES ('moderators', 'auto_block', 15, 'pictures moderators upheld or removed (filled and emptied by their decisions)');

CREATE TABLE hash_bank_entries (
  id         bigserial PRIMARY KEY,
  bank_id    integer NOT NULL REFERENCES hash_banks (id) ON DELETE CASCADE,
  pdq        bit(256) NOT NULL,
  quality    smallint CHECK (quality BETWEEN 0 AND 100),
  -- 'original' for a whole picture, or the crop it is of (cut-top-10, centre-5, …).
  kind       text NOT NULL DEFAULT 'original',
  -- Where it came from: 'image' (a moderator's decision on image_id) or 'import'.
  source     text NOT NULL CHECK (source IN ('image', 'import')),
  image_id   uuid REFERENCES images (id),
  -- Who added it (a moderator id) and, for imports, a note such as the file's name.
  added_by   text,
  note       text CHECK (char_length(note) <= 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((source = 'image') = (image_id IS NOT NULL))
);
CREATE INDEX hash_bank_entries_image_idx ON hash_bank_entries (image_id) WHERE image_id IS NOT NULL;
-- An imported hash is in a bank once.
CREATE UNIQUE INDEX hash_bank_entries_imported_once ON hash_bank_entries (bank_id, pdq) WHERE source = 'import';

CREATE TABLE hash_bank_chunks (
  chunk    smallint NOT NULL CHECK (chunk BETWEEN 0 AND 15),
  value    integer  NOT NULL CHECK (value BETWEEN 0 AND 65535),
  entry_id bigint   NOT NULL REFERENCES hash_bank_entries (id) ON DELETE CASCADE,
  PRIMARY KEY (chunk, value, entry_id)
);
CREATE INDEX hash_bank_chunks_entry_idx ON hash_bank_chunks (entry_id);

-- Every processed image gets its PDQ hashes (and blocked ones their bank entries) by making its
-- derivatives again: the thumbnail job is idempotent and keeps the status.
INSERT INTO outbox (topic, image_id)
SELECT 'thumbnail', id FROM images WHERE status NOT IN ('failed', 'removed');
