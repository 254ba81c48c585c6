-- The multi-index keyed by one integer, chunk number × 65536 + chunk value (0–1048575): a lookup then reads
-- all of a query's chunks in one index scan (`key = ANY(…)`) instead of one nested-loop probe per chunk.
DROP TABLE image_pdq_chunks;
CREATE TABLE image_pdq_chunks (
  key      integer NOT NULL CHECK (key BETWEEN 0 AND 1048575),
  image_id uuid    NOT NULL REFERENCES images (id),
  PRIMARY KEY (key, image_id)
);
CREATE INDEX image_pdq_chunks_image_idx ON image_pdq_chunks (image_id);
INSERT INTO image_pdq_chunks (key, image_id)
SELECT n * 65536 + substring(i.pdq FROM n * 16 + 1 FOR 16)::int, i.id
FROM images i CROSS JOIN generate_series(0, 15) AS n WHERE i.pdq IS NOT NULL AND i.pdq_quality >= 50;

DROP TABLE hash_bank_chunks;
CREATE TABLE hash_bank_chunks (
  key      integer NOT NULL CHECK (key BETWEEN 0 AND 1048575),
  entry_id bigint  NOT NULL REFERENCES hash_bank_entries (id) ON DELETE CASCADE,
  PRIMARY KEY (key, entry_id)
);
CREATE INDEX hash_bank_chunks_entry_idx ON hash_bank_chunks (entry_id);
INSERT INTO hash_bank_chunks (key, entry_id)
SELECT n * 65536 + substring(e.pdq FROM n * 16 + 1 FOR 16)::int, e.id FROM hash_bank_entries e CROSS JOIN generate_series(0, 15) AS n;
