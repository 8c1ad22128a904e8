-- A claim walks the due deliveries and skips those of endpoints that are disabled or
-- deleted; left due, those would lie in that walk for ever, and every claim (one runs after
-- each batch any function commits) would wade through them. So when an endpoint stops being
-- live its pending deliveries are parked (not due: `next_attempt_at` NULL) and when it is
-- live again (enabled, not deleted) they are due at once. Here, beside the fan-out, so that
-- no way of changing an endpoint can forget it.
--
-- A delivery leased now (an attempt of it under way: `lease` set and not run out) is left
-- alone both ways: its report settles it (parked, if the endpoint is still not live then).
-- Were it parked, re-enabling the endpoint would make it due while its attempt is still in
-- flight, and send it twice at once; as it is not, a parked delivery is never one in flight
-- and unparking needs no test of its own.
CREATE FUNCTION webhook_endpoint_parking() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.enabled AND NEW.deleted_at IS NULL THEN
        UPDATE webhook_deliveries SET next_attempt_at = now(), updated_at = now()
        WHERE endpoint_id = NEW.id AND status = 'pending' AND next_attempt_at IS NULL;
    ELSE
        UPDATE webhook_deliveries SET next_attempt_at = NULL, updated_at = now()
        WHERE endpoint_id = NEW.id AND status = 'pending' AND next_attempt_at IS NOT NULL
          AND NOT (lease IS NOT NULL AND next_attempt_at > now());
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER webhook_endpoints_parking AFTER UPDATE OF enabled, deleted_at ON webhook_endpoints
    FOR EACH ROW
    WHEN ((OLD.enabled AND OLD.deleted_at IS NULL) IS DISTINCT FROM (NEW.enabled AND NEW.deleted_at IS NULL))
    EXECUTE FUNCTION webhook_endpoint_parking();

-- A claim keeps each endpoint within its share of the deliveries leased at once
-- (`MAX_IN_FLIGHT`), so it counts those of each endpoint it would take from: these, the
-- pending deliveries with a lease (in flight, or their lease ran out unreported), are few.
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (endpoint_id)
    WHERE status = 'pending' AND lease IS NOT NULL;
