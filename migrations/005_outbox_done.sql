-- End-to-end outbox: a row is done only when the job it asked for has run, not when Redis accepted it,
-- so jobs lost with Redis's data are sent again.
ALTER TABLE outbox ADD COLUMN done_at timestamptz;
ALTER TABLE outbox ADD COLUMN send_count integer NOT NULL DEFAULT 0;
UPDATE outbox SET done_at = sent_at WHERE sent_at IS NOT NULL;
DROP INDEX outbox_pending_idx;
CREATE INDEX outbox_unfinished_idx ON outbox (id) WHERE done_at IS NULL;
CREATE INDEX outbox_done_idx ON outbox (done_at) WHERE done_at IS NOT NULL;
