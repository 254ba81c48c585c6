-- Every API process keeps a short cache of what /i/:id serves (README "Serving"); this trigger tells them when an
-- image's serving fields change, on the image_changed channel, as the change commits. Status changes are rare
-- next to reports, so the NOTIFY's server-wide lock at commit costs nothing that matters (reports never take it).
CREATE FUNCTION imgmod_image_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('image_changed', COALESCE(NEW.id, OLD.id)::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER images_serving_changed
  AFTER UPDATE OF status, display_key, display_mime_type, thumbnail_key, updated_at ON images
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.display_key IS DISTINCT FROM NEW.display_key
        OR OLD.display_mime_type IS DISTINCT FROM NEW.display_mime_type OR OLD.thumbnail_key IS DISTINCT FROM NEW.thumbnail_key
        OR OLD.updated_at IS DISTINCT FROM NEW.updated_at)
  EXECUTE FUNCTION imgmod_image_changed();

CREATE TRIGGER images_serving_deleted AFTER DELETE ON images FOR EACH ROW EXECUTE FUNCTION imgmod_image_changed();
