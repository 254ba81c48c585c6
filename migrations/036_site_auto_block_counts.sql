-- The circuit breaker's counts: report-driven auto-blocks per site and minute (src/evaluation/site-breaker.ts).
-- One row per site and minute is bumped by each auto-block, so deciding costs one indexed statement instead of
-- counting the audit log's last 7 days under a lock of the site's row, which serialised a site's evaluations.
CREATE TABLE IF NOT EXISTS site_auto_block_counts (
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  minute timestamptz NOT NULL,
  auto_blocks integer NOT NULL DEFAULT 0 CHECK (auto_blocks >= 0),
  -- Of those, the ones made before an admin reset the breaker: no longer in the last hour's count.
  before_reset integer NOT NULL DEFAULT 0,
  -- Of those, the ones a moderator overturned since (restored): no part of the site's usual rate.
  overturned integer NOT NULL DEFAULT 0,
  PRIMARY KEY (site_id, minute)
);

-- The last 7 days and an hour of the audit log, as the counts would have been kept: readers' auto-blocks (a
-- moderator's own report is not counted), those a moderator restored since as overturned.
INSERT INTO site_auto_block_counts (site_id, minute, auto_blocks, overturned)
SELECT i.site_id, date_trunc('minute', e.created_at), count(*), count(*) FILTER (WHERE i.restored_at >= e.created_at)
FROM moderation_events e JOIN images i ON i.id = e.image_id
WHERE e.action = 'auto_block' AND e.details->>'rule' IN ('total_score', 'reason_score')
  AND e.created_at >= now() - interval '169 hours'
GROUP BY 1, 2
ON CONFLICT DO NOTHING;
