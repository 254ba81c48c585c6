-- A job closes its outbox rows by (topic, image_id) among the rows not done yet (markOutboxDone): an index on
-- exactly those keeps that statement an index lookup however many done rows wait for pruning or vacuum.
CREATE INDEX IF NOT EXISTS outbox_open_by_image ON outbox (image_id, topic) WHERE done_at IS NULL;
