-- Media: the served ("display") derivative, the review derivative and the perceptual hash of each image.

ALTER TABLE images
  ADD COLUMN display_key       text,
  ADD COLUMN display_mime_type text,
  ADD COLUMN review_key        text,
  -- 64-bit DCT pHash, the same 64 bits as a signed int8; NULL until processed, and for pictures too plain to hash.
  ADD COLUMN phash             bigint;

-- Hamming distance cannot use a b-tree, so both near-duplicate queries read every candidate hash; these
-- partial covering indexes let them do it as index-only scans of just the candidates.
-- The block list is the moderator-upheld images (status 'blocked'): restoring one takes it off at once.
CREATE INDEX images_blocked_phash_idx ON images (phash) INCLUDE (id) WHERE status = 'blocked' AND phash IS NOT NULL;
-- Near-duplicates of an image being evaluated are looked for among every hashed image.
CREATE INDEX images_phash_idx ON images (phash) INCLUDE (id) WHERE phash IS NOT NULL;

-- Images processed before this migration have no served derivative and are never served as uploaded:
-- their derivatives are made again (the thumbnail job is idempotent and keeps their status).
INSERT INTO outbox (topic, image_id)
SELECT 'thumbnail', id FROM images WHERE status NOT IN ('failed', 'removed');
