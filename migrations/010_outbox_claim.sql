-- The relay claims outbox rows in a short transaction of its own, then publishes to Redis with no
-- transaction open, then marks them sent. A claim older than the relay's lease (a relay that died
-- between claiming and marking) is claimed again by any relay.
ALTER TABLE outbox ADD COLUMN claimed_at timestamptz;
