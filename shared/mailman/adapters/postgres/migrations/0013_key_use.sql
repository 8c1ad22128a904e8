-- A request's key and its rate limit in one statement: find the key by its hash with its
-- live organisation; when the key is active (neither revoked nor expired at p_at), mark it
-- used (last_used_at, written at most once a minute) and take the request's token from the
-- key's bucket and its organisation's (take_request_token, with the given rates for a key or
-- an organisation without its own). An unknown key, or one of a deleted organisation, answers
-- no row; an inactive one its key and organisation with `allowed` NULL: nothing taken.
--
-- The transaction that calls it commits without waiting for its WAL to reach the disk
-- (synchronous_commit off, for that transaction only): what it writes is bookkeeping (a
-- bucket's tokens, when a key was last used), and a crash
-- losing the last moment of it gives a caller back a few tokens. A flush costs a request
-- more than the rest of its admission.
CREATE FUNCTION use_api_key(
    p_key_hash text, p_at timestamptz,
    p_key_per_minute integer, p_organization_per_minute integer,
    OUT key jsonb, OUT organization jsonb, OUT allowed boolean,
    OUT key_tokens double precision, OUT organization_tokens double precision
) RETURNS SETOF record LANGUAGE plpgsql AS $$
DECLARE
    k api_keys;
    o organizations;
    key_limit integer;
    organization_limit integer;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    SELECT * INTO k FROM api_keys WHERE key_hash = p_key_hash;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT * INTO o FROM organizations WHERE id = k.organization_id AND deleted_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    key := to_jsonb(k) - 'key_hash';
    organization := jsonb_build_object(
        'id', o.id, 'name', o.name, 'created_at', o.created_at,
        'rate_limit_per_minute', o.rate_limit_per_minute, 'max_api_keys', o.max_api_keys);
    IF k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > p_at) THEN
        UPDATE api_keys SET last_used_at = p_at
            WHERE id = k.id AND (last_used_at IS NULL OR last_used_at < p_at - interval '1 minute');
        key_limit := COALESCE(k.rate_limit_per_minute, p_key_per_minute);
        organization_limit := COALESCE(o.rate_limit_per_minute, p_organization_per_minute);
        SELECT t.allowed, t.key_tokens, t.organization_tokens
            INTO allowed, key_tokens, organization_tokens
            FROM take_request_token(k.id, key_limit, key_limit / 60.0, o.id,
                                    organization_limit, organization_limit / 60.0, p_at) t;
    END IF;
    RETURN NEXT;
END
$$;
