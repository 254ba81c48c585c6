-- Readers: what kind of reader made each report, whether they were low-trust then, a keyed hash of an
-- anonymous reader's network prefix (never the address), and the brigade guard's flag on images.

ALTER TABLE reports ADD COLUMN reporter_kind text NOT NULL DEFAULT 'user' CHECK (reporter_kind IN ('user', 'signed', 'anonymous'));
ALTER TABLE reports ADD COLUMN low_trust boolean NOT NULL DEFAULT false;
-- HMAC-SHA256 of the IPv4 /24 or IPv6 /48 prefix, keyed from JWT_SECRET; set for anonymous reports only.
ALTER TABLE reports ADD COLUMN network_hash text;
CREATE INDEX reports_open_network_idx ON reports (image_id, network_hash) WHERE status = 'open' AND network_hash IS NOT NULL;

-- The brigade guard's flag: when it first flagged the image (a burst mostly from low-trust reporters), and
-- when it first held back an auto-block the threshold alone would have made. Each writes one audit event.
ALTER TABLE images ADD COLUMN suspected_brigade_at timestamptz;
ALTER TABLE images ADD COLUMN brigade_held_back_at timestamptz;
