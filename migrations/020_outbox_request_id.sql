-- The id of the HTTP request that wrote the row (X-Request-Id or generated), carried into the job's data so
-- its log lines can be matched with the request's. NULL for rows written outside a request.
ALTER TABLE outbox ADD COLUMN request_id text;
