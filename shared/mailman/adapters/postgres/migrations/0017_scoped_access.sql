-- Credentials that reach less than the whole organisation, and who did what.
--
-- An API key may carry scopes and be bound to inboxes (NULL: every scope, every inbox, as
-- every key made before this migration). A JWT signed with a key of `auth_keys` carries its
-- own in its claims. Either way the API opens a tenant's transaction with its caller's
-- inboxes (`mailman.inbox_ids`, empty when unbound) and its identity (`mailman.actor`, JSON),
-- set in the same statement as the tenant: row-level security confines a bound caller to its
-- inboxes' rows, and each event appended records the caller.

ALTER TABLE api_keys
    ADD COLUMN scopes     text[] CHECK (cardinality(scopes) > 0),
    ADD COLUMN inbox_ids  uuid[] CHECK (cardinality(inbox_ids) > 0);

-- A revoked key's kid may be registered again (a new key under the old name): unique among
-- the live keys only.
ALTER TABLE auth_keys DROP CONSTRAINT auth_keys_organization_id_kid_key;
CREATE UNIQUE INDEX auth_keys_live_kid ON auth_keys (organization_id, kid) WHERE revoked_at IS NULL;
CREATE INDEX auth_keys_org_created ON auth_keys (organization_id, created_at, id);
ALTER TABLE auth_keys ADD COLUMN last_used_at timestamptz;

ALTER TABLE events ADD COLUMN actor jsonb;

-- The caller of the tenant's transaction: its inboxes (NULL: unbound) and its identity.
CREATE FUNCTION current_inbox_ids() RETURNS uuid[]
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('mailman.inbox_ids', true), '')::uuid[] $$;
CREATE FUNCTION current_actor() RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('mailman.actor', true), '')::jsonb $$;
ALTER TABLE events ALTER COLUMN actor SET DEFAULT current_actor();

-- Restrictive: a row must pass these as well as the tenant's own policy. Unbound callers
-- (and every function but the API) pass them at the first test.
CREATE POLICY inbox_binding ON inboxes AS RESTRICTIVE
    USING (current_inbox_ids() IS NULL OR id = ANY (current_inbox_ids()));
CREATE POLICY inbox_binding ON threads AS RESTRICTIVE
    USING (current_inbox_ids() IS NULL OR inbox_id = ANY (current_inbox_ids()));
CREATE POLICY inbox_binding ON messages AS RESTRICTIVE
    USING (current_inbox_ids() IS NULL OR inbox_id = ANY (current_inbox_ids()));
-- A bound caller reads the events of its inboxes (none of the organisation's own: a
-- domain's, another endpoint's) and appends what its actions cause.
CREATE POLICY inbox_binding ON events AS RESTRICTIVE FOR SELECT
    USING (current_inbox_ids() IS NULL
           OR (payload->>'inbox_id')::uuid = ANY (current_inbox_ids()));
-- A bound caller's endpoints are those scoped to its inboxes alone.
CREATE POLICY inbox_binding ON webhook_endpoints AS RESTRICTIVE
    USING (current_inbox_ids() IS NULL
           OR (cardinality(inbox_ids) > 0 AND inbox_ids <@ current_inbox_ids()));

-- The fan-out reads every endpoint of the event's organisation, whoever appended the event:
-- it runs as its owner, beyond a bound caller's view.
ALTER FUNCTION webhook_fan_out() SECURITY DEFINER SET search_path = public, pg_temp;

-- A token's requests are limited per (organisation, subject): their bucket sits beside the
-- keys' in `rate_limit_buckets`, under an id made from the two.
ALTER TABLE rate_limit_buckets DROP CONSTRAINT rate_limit_buckets_api_key_id_fkey;

CREATE FUNCTION subject_bucket_id(p_organization uuid, p_subject text) RETURNS uuid
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT md5('token:' || p_organization::text || ':' || p_subject)::uuid $$;

-- A token's request in one statement, once its signature is verified against the key it
-- names: whether that key is still live (not revoked, its organisation not deleted), the
-- ids of the inboxes its `inboxes` claim names by address, and when live the key's touch
-- (last_used_at, at most once a minute) and the request's token from the subject's bucket
-- and its organisation's. Bookkeeping, as `use_api_key`: no wait for the WAL flush.
CREATE FUNCTION use_auth_key(
    p_key uuid, p_subject text, p_addresses text[], p_at timestamptz,
    p_subject_per_minute integer, p_organization_per_minute integer,
    OUT live boolean, OUT inbox_ids uuid[], OUT organization_per_minute integer,
    OUT allowed boolean, OUT key_tokens double precision,
    OUT organization_tokens double precision
) LANGUAGE plpgsql AS $$
DECLARE
    k auth_keys;
    o organizations;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    live := false;
    SELECT * INTO k FROM auth_keys WHERE id = p_key AND revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT * INTO o FROM organizations WHERE id = k.organization_id AND deleted_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    live := true;
    organization_per_minute := COALESCE(o.rate_limit_per_minute, p_organization_per_minute);
    IF cardinality(p_addresses) > 0 THEN
        SELECT COALESCE(array_agg(i.id), '{}') INTO inbox_ids
        FROM inboxes i JOIN domains d ON d.id = i.domain_id
        WHERE i.organization_id = o.id AND i.deleted_at IS NULL
          AND lower(i.local_part || '@' || d.name) = ANY (p_addresses);
    END IF;
    UPDATE auth_keys SET last_used_at = p_at
        WHERE id = k.id AND (last_used_at IS NULL OR last_used_at < p_at - interval '1 minute');
    SELECT t.allowed, t.key_tokens, t.organization_tokens
        INTO allowed, key_tokens, organization_tokens
        FROM take_request_token(subject_bucket_id(o.id, p_subject), p_subject_per_minute,
                                 p_subject_per_minute / 60.0, o.id, organization_per_minute,
                                 organization_per_minute / 60.0, p_at) t;
END
$$;
