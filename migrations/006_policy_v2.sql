-- Report policy v2: what the auto-block decision needs to know about each report's reader, and what a policy
-- replay needs to weigh it again.

-- The reader had a proven record when reporting (domain/trust.ts isProven): one proven reader corroborates a block.
ALTER TABLE reports ADD COLUMN proven boolean NOT NULL DEFAULT false;
-- HMAC-SHA256 of the reader's guard network (IPv4 /24, IPv6 /48), for signed and anonymous readers alike;
-- used by the brigade guard only, never shown.
ALTER TABLE reports ADD COLUMN guard_network_hash text;
-- A signed reader's account_created_at claim, for the guard's account-cluster signal.
ALTER TABLE reports ADD COLUMN account_created_at timestamptz;
-- False for a report filed after the picture had left `visible`: kept as evidence, never part of a track record.
ALTER TABLE reports ADD COLUMN counts_for_trust boolean NOT NULL DEFAULT true;
-- The inputs of the report's weight (domain/readers.ts Weighing), so a replay can weigh it under other settings.
ALTER TABLE reports ADD COLUMN weighing jsonb;

-- Track records read only the reports that count for trust.
DROP INDEX reports_decided_by_reporter_idx;
CREATE INDEX reports_decided_by_reporter_idx ON reports (reporter_id) WHERE status <> 'open' AND counts_for_trust;
-- A replay walks reports in time order.
CREATE INDEX reports_created_idx ON reports (created_at, id);
