-- Review deadlines and uploader appeals.

-- When the deadline sweep found this auto-block unreviewed past REVIEW_DEADLINE (once per auto-block: a mark older
-- than the image's last status change belongs to an earlier one).
ALTER TABLE images ADD COLUMN review_overdue_at timestamptz;
CREATE INDEX images_awaiting_review_idx ON images (status_changed_at) WHERE status = 'auto_blocked';

-- One appeal per image, by its uploader; the moderator's decision answers it.
CREATE TABLE appeals (
  image_id    uuid PRIMARY KEY REFERENCES images (id),
  uploader_id text NOT NULL,
  message     text NOT NULL CHECK (char_length(message) BETWEEN 1 AND 2000),
  created_at  timestamptz NOT NULL DEFAULT now(),
  decided_at  timestamptz,
  decided_by  text,
  outcome     text CHECK (outcome IN ('granted', 'rejected')),
  response    text
);
CREATE INDEX appeals_open_idx ON appeals (created_at) WHERE decided_at IS NULL;
