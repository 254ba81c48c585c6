-- Claims: a moderator who opens an image holds it for CLAIM_DURATION, so two people do not review the same picture.
CREATE TABLE claims (
  image_id     uuid PRIMARY KEY REFERENCES images (id),
  moderator_id text NOT NULL,
  expires_at   timestamptz NOT NULL
);
-- The uploader's other images, for the moderator's context.
CREATE INDEX images_uploader_idx ON images (uploader_id, created_at DESC);
