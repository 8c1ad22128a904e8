-- The seed schema: every table of the design, tenant-scoped, soft-deletable where the API deletes.
--
-- Row-level security: the migrating (owner) role bypasses it and is used only for work that
-- precedes knowing the tenant (finding an API key by its hash) and for operator tasks. Every
-- tenant-scoped transaction runs `SET LOCAL ROLE mailman_tenant` and sets
-- `mailman.organization_id`; the policies below then hide every other organisation's rows.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mailman_tenant') THEN
        CREATE ROLE mailman_tenant NOLOGIN;
    END IF;
END
$$;

GRANT mailman_tenant TO CURRENT_USER;

CREATE FUNCTION current_organization_id() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('mailman.organization_id', true), '')::uuid $$;

CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);

CREATE TABLE api_keys (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id        uuid NOT NULL REFERENCES organizations (id),
    name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    prefix                 text NOT NULL,
    key_hash               text NOT NULL UNIQUE,
    rate_limit_per_minute  integer CHECK (rate_limit_per_minute > 0),
    created_at             timestamptz NOT NULL DEFAULT now(),
    last_used_at           timestamptz,
    expires_at             timestamptz,
    revoked_at             timestamptz
);
CREATE INDEX api_keys_org_created ON api_keys (organization_id, created_at, id);

CREATE TABLE rate_limit_buckets (
    api_key_id   uuid PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
    tokens       double precision NOT NULL,
    refilled_at  timestamptz NOT NULL
);

CREATE TABLE auth_keys (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    kid              text NOT NULL,
    algorithm        text NOT NULL CHECK (algorithm IN ('ES256', 'RS256')),
    public_key_pem   text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    revoked_at       timestamptz,
    UNIQUE (organization_id, kid)
);

CREATE TABLE domains (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    name             text NOT NULL,
    unicode_name     text NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'verified', 'failed')),
    dkim_tokens      text[] NOT NULL DEFAULT '{}',
    from_name        text,
    reply_to         text,
    bounce_address   text,
    mx_verified      boolean NOT NULL DEFAULT false,
    spf_verified     boolean NOT NULL DEFAULT false,
    dkim_verified    boolean NOT NULL DEFAULT false,
    dmarc_verified   boolean NOT NULL DEFAULT false,
    verified_at      timestamptz,
    last_checked_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    UNIQUE (organization_id, id)
);
-- A live domain name belongs to one organisation only.
CREATE UNIQUE INDEX domains_live_name ON domains (name) WHERE deleted_at IS NULL;
CREATE INDEX domains_org_created ON domains (organization_id, created_at, id);

CREATE TABLE inboxes (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    domain_id        uuid NOT NULL,
    local_part       text NOT NULL,
    display_name     text,
    catch_all        boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, domain_id) REFERENCES domains (organization_id, id)
);
CREATE UNIQUE INDEX inboxes_live_address ON inboxes (domain_id, local_part) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX inboxes_live_catch_all ON inboxes (domain_id)
    WHERE catch_all AND deleted_at IS NULL;
CREATE INDEX inboxes_org_created ON inboxes (organization_id, created_at, id);

CREATE TABLE threads (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id     uuid NOT NULL REFERENCES organizations (id),
    inbox_id            uuid NOT NULL,
    subject             text,
    normalized_subject  text,
    message_count       integer NOT NULL DEFAULT 0,
    unread_count        integer NOT NULL DEFAULT 0,
    last_message_at     timestamptz,
    merged_into_id      uuid REFERENCES threads (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz,
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, inbox_id) REFERENCES inboxes (organization_id, id)
);
CREATE INDEX threads_inbox_activity ON threads (inbox_id, last_message_at DESC, id DESC)
    WHERE deleted_at IS NULL AND merged_into_id IS NULL;
CREATE INDEX threads_inbox_subject ON threads (inbox_id, normalized_subject, last_message_at DESC)
    WHERE merged_into_id IS NULL;

CREATE TABLE messages (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id    uuid NOT NULL REFERENCES organizations (id),
    inbox_id           uuid NOT NULL,
    thread_id          uuid,
    message_id         text NOT NULL,
    direction          text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    status             text CHECK (status IN
                           ('pending', 'sent', 'delivered', 'bounced', 'complained', 'failed')),
    status_reason      text,
    from_address       text NOT NULL,
    from_name          text,
    reply_to           text[] NOT NULL DEFAULT '{}',
    subject            text,
    sent_at            timestamptz,
    received_at        timestamptz,
    in_reply_to        text,
    "references"       text[] NOT NULL DEFAULT '{}',
    text_body          text,
    html_body          text,
    extracted_text     text,
    preview            text,
    headers            jsonb NOT NULL DEFAULT '[]',
    raw_storage_key    text,
    ses_message_id     text,
    match_reason       text NOT NULL DEFAULT 'new'
                           CHECK (match_reason IN
                               ('in_reply_to', 'references', 'subject', 'new', 'merged')),
    verdicts           jsonb NOT NULL DEFAULT '{}',
    quarantined        boolean NOT NULL DEFAULT false,
    quarantine_reason  text,
    defects            text[] NOT NULL DEFAULT '{}',
    labels             text[] NOT NULL DEFAULT '{}',
    metadata           jsonb NOT NULL DEFAULT '{}',
    is_read            boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz,
    UNIQUE (organization_id, id),
    -- The same Message-ID delivered twice to an inbox is one message.
    UNIQUE (inbox_id, message_id),
    FOREIGN KEY (organization_id, inbox_id) REFERENCES inboxes (organization_id, id),
    FOREIGN KEY (organization_id, thread_id) REFERENCES threads (organization_id, id)
);
CREATE INDEX messages_thread_order ON messages (thread_id, created_at, id);
CREATE UNIQUE INDEX messages_ses_id ON messages (ses_message_id) WHERE ses_message_id IS NOT NULL;
CREATE INDEX messages_outbound_pending ON messages (status, created_at) WHERE status = 'pending';

CREATE TABLE message_recipients (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    message_id       uuid NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('to', 'cc', 'bcc', 'envelope')),
    address          text NOT NULL,
    name             text,
    position         integer NOT NULL,
    status           text,
    UNIQUE (message_id, kind, address),
    FOREIGN KEY (organization_id, message_id) REFERENCES messages (organization_id, id)
        ON DELETE CASCADE
);
CREATE INDEX message_recipients_address ON message_recipients (organization_id, address);

-- Every Message-ID an inbox knows of, its own or referenced, mapped to a thread: the one
-- lookup table threading reads. `message_pk` is null for ids only referenced so far (phantom
-- parents), and set once the message itself is stored; `kind` says which of the message's ids
-- this is (the one in its header, or the one SES assigned when sending).
CREATE TABLE message_references (
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    inbox_id         uuid NOT NULL,
    message_id       text NOT NULL,
    thread_id        uuid NOT NULL,
    message_pk       uuid,
    kind             text NOT NULL CHECK (kind IN ('header', 'ses', 'referenced')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (inbox_id, message_id),
    FOREIGN KEY (organization_id, inbox_id) REFERENCES inboxes (organization_id, id),
    FOREIGN KEY (organization_id, thread_id) REFERENCES threads (organization_id, id),
    FOREIGN KEY (organization_id, message_pk) REFERENCES messages (organization_id, id)
);
CREATE INDEX message_references_thread ON message_references (thread_id);

CREATE TABLE attachments (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    message_id       uuid NOT NULL,
    filename         text,
    content_type     text NOT NULL,
    size_bytes       bigint NOT NULL CHECK (size_bytes >= 0),
    sha256           text NOT NULL,
    content_id       text,
    inline           boolean NOT NULL DEFAULT false,
    storage_key      text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, message_id) REFERENCES messages (organization_id, id)
        ON DELETE CASCADE
);
CREATE INDEX attachments_message ON attachments (message_id);

CREATE TABLE delivery_events (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    message_id       uuid NOT NULL,
    recipient        text,
    event_type       text NOT NULL,
    -- SES's own identity of the event (its feedback id, or the notification's id), so a
    -- notification delivered twice is recorded once.
    source_event_id  text NOT NULL,
    occurred_at      timestamptz NOT NULL,
    details          jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (message_id, source_event_id, event_type, recipient),
    FOREIGN KEY (organization_id, message_id) REFERENCES messages (organization_id, id)
);
CREATE INDEX delivery_events_message ON delivery_events (message_id, occurred_at);

-- The ordered, append-only log of what happened in an organisation; webhooks deliver from it.
CREATE TABLE events (
    seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    type             text NOT NULL,
    subject_id       uuid,
    -- What makes the event unique at its source, so an at-least-once producer appends it once.
    dedup_key        text NOT NULL,
    payload          jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, dedup_key)
);
CREATE INDEX events_org_seq ON events (organization_id, seq);

CREATE TABLE webhook_endpoints (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    url              text NOT NULL,
    description      text,
    event_types      text[] NOT NULL DEFAULT '{}',
    secret           text NOT NULL,
    enabled          boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    UNIQUE (organization_id, id)
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (organization_id) WHERE deleted_at IS NULL;

CREATE TABLE webhook_deliveries (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id   uuid NOT NULL REFERENCES organizations (id),
    endpoint_id       uuid NOT NULL,
    event_id          uuid NOT NULL REFERENCES events (id),
    status            text NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    last_status_code  integer,
    last_error        text,
    next_attempt_at   timestamptz,
    delivered_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (endpoint_id, event_id),
    FOREIGN KEY (organization_id, endpoint_id) REFERENCES webhook_endpoints (organization_id, id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE suppressed_addresses (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    address          text NOT NULL,
    reason           text NOT NULL CHECK (reason IN ('bounce', 'complaint', 'manual', 'unsubscribe')),
    source_message_id uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz
);
CREATE UNIQUE INDEX suppressed_addresses_live ON suppressed_addresses (organization_id, address)
    WHERE deleted_at IS NULL;

-- Row-level security on every tenant table.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'api_keys', 'rate_limit_buckets', 'auth_keys', 'domains', 'inboxes', 'threads',
        'messages', 'message_recipients', 'message_references', 'attachments',
        'delivery_events', 'events', 'webhook_endpoints', 'webhook_deliveries',
        'suppressed_addresses'
    ] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        IF t = 'rate_limit_buckets' THEN
            EXECUTE format(
                'CREATE POLICY tenant_isolation ON %I USING (api_key_id IN '
                '(SELECT id FROM api_keys WHERE organization_id = current_organization_id()))',
                t);
        ELSE
            EXECUTE format(
                'CREATE POLICY tenant_isolation ON %I '
                'USING (organization_id = current_organization_id()) '
                'WITH CHECK (organization_id = current_organization_id())',
                t);
        END IF;
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO mailman_tenant', t);
    END LOOP;
END
$$;

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organizations USING (id = current_organization_id());
GRANT SELECT, UPDATE ON organizations TO mailman_tenant;
