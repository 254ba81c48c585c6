-- The bank multi-index carries each entry's hash beside its chunk key, covered by the primary key's index:
-- a lookup measures every candidate from the index alone and reads bank entries only for the matches.
DROP TABLE hash_bank_chunks;
CREATE TABLE hash_bank_chunks (
  key      integer  NOT NULL CHECK (key BETWEEN 0 AND 1048575),
  entry_id bigint   NOT NULL REFERENCES hash_bank_entries (id) ON DELETE CASCADE,
  pdq      bit(256) NOT NULL,
  PRIMARY KEY (key, entry_id) INCLUDE (pdq)
);
CREATE INDEX hash_bank_chunks_entry_idx ON hash_bank_chunks (entry_id);
INSERT INTO hash_bank_chunks (key, entry_id, pdq)
SELECT n * 65536 + substring(e.pdq FROM n * 16 + 1 FOR 16)::int, e.id, e.pdq FROM hash_bank_entries e CROSS JOIN generate_series(0, 15) AS n;
