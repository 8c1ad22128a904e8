-- Limits over an organisation, and failed authentications per source address.
--
-- An organisation may have its own request rate over all its keys and its own cap on live
-- keys; NULL means the deployment's default (the API function's settings).
ALTER TABLE organizations
    ADD COLUMN rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
    ADD COLUMN max_api_keys integer CHECK (max_api_keys > 0);

-- The organisation's token bucket, beside each key's (rate_limit_buckets).
CREATE TABLE organization_rate_limit_buckets (
    organization_id  uuid PRIMARY KEY REFERENCES organizations (id),
    tokens           double precision NOT NULL,
    refilled_at      timestamptz NOT NULL
);
ALTER TABLE organization_rate_limit_buckets ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organization_rate_limit_buckets
    USING (organization_id = current_organization_id())
    WITH CHECK (organization_id = current_organization_id());
GRANT SELECT, INSERT, UPDATE ON organization_rate_limit_buckets TO mailman_tenant;

-- One request takes a token from its key's bucket and from its organisation's, or from
-- neither: a request refused by one bucket leaves the other as it was. Both rows are locked
-- (the organisation's first, in every caller) so concurrent requests cannot both take the
-- last token. Refilling is lazy: a bucket holds `tokens` as of `refilled_at` and gains
-- `rate` tokens a second since, up to its capacity; a clock behind `refilled_at` adds none.
CREATE FUNCTION take_request_token(
    p_key uuid, p_key_capacity double precision, p_key_rate double precision,
    p_organization uuid, p_organization_capacity double precision,
    p_organization_rate double precision, p_at timestamptz,
    OUT allowed boolean, OUT key_tokens double precision, OUT organization_tokens double precision
) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO organization_rate_limit_buckets (organization_id, tokens, refilled_at)
        VALUES (p_organization, p_organization_capacity, p_at) ON CONFLICT DO NOTHING;
    INSERT INTO rate_limit_buckets (api_key_id, tokens, refilled_at)
        VALUES (p_key, p_key_capacity, p_at) ON CONFLICT DO NOTHING;
    SELECT LEAST(p_organization_capacity, b.tokens
               + GREATEST(0, EXTRACT(EPOCH FROM (p_at - b.refilled_at))) * p_organization_rate)
        INTO organization_tokens
        FROM organization_rate_limit_buckets b WHERE b.organization_id = p_organization
        FOR UPDATE;
    SELECT LEAST(p_key_capacity, b.tokens
               + GREATEST(0, EXTRACT(EPOCH FROM (p_at - b.refilled_at))) * p_key_rate)
        INTO key_tokens
        FROM rate_limit_buckets b WHERE b.api_key_id = p_key
        FOR UPDATE;
    allowed := organization_tokens >= 1 AND key_tokens >= 1;
    IF allowed THEN
        organization_tokens := organization_tokens - 1;
        key_tokens := key_tokens - 1;
        UPDATE organization_rate_limit_buckets
            SET tokens = organization_tokens, refilled_at = GREATEST(refilled_at, p_at)
            WHERE organization_id = p_organization;
        UPDATE rate_limit_buckets
            SET tokens = key_tokens, refilled_at = GREATEST(refilled_at, p_at)
            WHERE api_key_id = p_key;
    END IF;
END
$$;

-- Failed authentications (a missing, malformed, unknown, revoked or expired key) per source
-- address, as a token bucket. Not tenant data: read and written before any tenant is known,
-- by the owner role only. Row-level security with no policy and no grant keeps the tenant
-- role out altogether.
CREATE TABLE auth_failure_buckets (
    source       text PRIMARY KEY CHECK (length(source) BETWEEN 1 AND 100),
    tokens       double precision NOT NULL,
    refilled_at  timestamptz NOT NULL
);
CREATE INDEX auth_failure_buckets_refilled ON auth_failure_buckets (refilled_at);
ALTER TABLE auth_failure_buckets ENABLE ROW LEVEL SECURITY;
