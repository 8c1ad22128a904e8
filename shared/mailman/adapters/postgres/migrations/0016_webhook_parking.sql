-- A claim walks the due deliveries oldest first and skips those of endpoints that are
-- disabled or deleted; left due, those would lie at the head of that walk for ever, and
-- every claim (one runs after each batch any function commits) would wade through them.
-- So when an endpoint stops being live its pending deliveries are parked (not due:
-- `next_attempt_at` NULL; a lease out keeps its report's say) and when it is live again
-- (enabled, not deleted) they are due at once. Here, beside the fan-out, so that no way of
-- changing an endpoint can forget it.
CREATE FUNCTION webhook_endpoint_parking() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.enabled AND NEW.deleted_at IS NULL THEN
        UPDATE webhook_deliveries SET next_attempt_at = now(), updated_at = now()
        WHERE endpoint_id = NEW.id AND status = 'pending' AND next_attempt_at IS NULL;
    ELSE
        UPDATE webhook_deliveries SET next_attempt_at = NULL, updated_at = now()
        WHERE endpoint_id = NEW.id AND status = 'pending' AND next_attempt_at IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER webhook_endpoints_parking AFTER UPDATE OF enabled, deleted_at ON webhook_endpoints
    FOR EACH ROW
    WHEN ((OLD.enabled AND OLD.deleted_at IS NULL) IS DISTINCT FROM (NEW.enabled AND NEW.deleted_at IS NULL))
    EXECUTE FUNCTION webhook_endpoint_parking();
