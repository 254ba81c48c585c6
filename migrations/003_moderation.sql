-- Moderation: review-queue columns on images, who reported with which role, who decided a report.

-- score: the sum of open report weights, written by every evaluation and decision (the recount stays the truth).
ALTER TABLE images ADD COLUMN score numeric(9, 3) NOT NULL DEFAULT 0;
-- status_changed_at: when the image entered its current status (queue "oldest/newest first").
ALTER TABLE images ADD COLUMN status_changed_at timestamptz NOT NULL DEFAULT now();
-- restored_at: set when a moderator restores the image; later auto-blocks need a higher score.
ALTER TABLE images ADD COLUMN restored_at timestamptz;
CREATE INDEX images_queue_score_idx ON images (status, score DESC, id);
CREATE INDEX images_queue_time_idx ON images (status, status_changed_at, id);

ALTER TABLE reports ADD COLUMN reporter_role text NOT NULL DEFAULT 'reader' CHECK (reporter_role IN ('reader', 'moderator'));
ALTER TABLE reports ADD COLUMN decided_by text;
CREATE INDEX reports_open_by_image_idx ON reports (image_id) WHERE status = 'open';
CREATE INDEX reports_decided_by_reporter_idx ON reports (reporter_id) WHERE status <> 'open';

CREATE INDEX moderation_events_actor_idx ON moderation_events (actor_id, id);
CREATE INDEX moderation_events_created_idx ON moderation_events (created_at, id);
