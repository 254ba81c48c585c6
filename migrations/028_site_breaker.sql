-- The per-site circuit breaker counts report-driven auto-blocks per site: the audit log answers it, by time.
CREATE INDEX moderation_events_auto_block_idx ON moderation_events (created_at) WHERE action = 'auto_block';
