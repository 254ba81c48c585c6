-- A picture's PDQ hash as the reference implementation computes it (shrunk to fit 512 px, never enlarged), kept
-- beside imgmod's matching hashes, which enlarge a picture under 512 px first: banks export it, and uploads are
-- looked up by it too, so hash lists made by other PDQ implementations match small pictures.
ALTER TABLE images ADD COLUMN pdq_reference bit(256);
