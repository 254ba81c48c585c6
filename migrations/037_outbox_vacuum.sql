-- The outbox is a queue: every row is inserted, claimed, sent and closed within seconds, then kept a day. With the
-- default autovacuum_vacuum_scale_factor (20 % of the table, which holds a day of done rows) vacuum would wait for
-- hundreds of thousands of dead rows, whose entries in the open-rows index every claim has to step over. Vacuum it
-- after 1,000 dead rows and 1 % of the table instead, without throttling (it is small work on a hot table).
ALTER TABLE outbox SET (
  autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_cost_delay = 0
);
