-- A site's own id for an image it registered by URL, so it can find the image again (GET /v1/images?externalId=):
-- unique within the site.
ALTER TABLE images ADD COLUMN IF NOT EXISTS external_id text CHECK (char_length(external_id) BETWEEN 1 AND 200);
CREATE UNIQUE INDEX IF NOT EXISTS images_external_id ON images (site_id, external_id) WHERE external_id IS NOT NULL;
