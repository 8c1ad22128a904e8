-- Receiving: what a stored message keeps of its delivery, per-thread listing columns, and
-- mail for addresses no inbox takes.

-- The same Message-ID with different content is a different message (both are kept);
-- the same Message-ID with the same content delivered again is the same one.
ALTER TABLE messages DROP CONSTRAINT messages_inbox_id_message_id_key;
ALTER TABLE messages
    ADD COLUMN content_sha256  text NOT NULL DEFAULT '',
    ADD COLUMN source          text NOT NULL DEFAULT 'api'
                                   CHECK (source IN ('ses', 'import', 'api')),
    ADD COLUMN source_id       text,
    ADD COLUMN size_bytes      bigint,
    ADD COLUMN plus_tags       text[] NOT NULL DEFAULT '{}',
    ADD COLUMN message_id_generated boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX messages_inbox_identity ON messages (inbox_id, message_id, content_sha256);
-- An import re-run skips what it stored already by the bytes alone, before parsing them.
CREATE INDEX messages_inbox_content ON messages (inbox_id, content_sha256);
CREATE INDEX messages_inbox_listing ON messages (inbox_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;

ALTER TABLE threads
    ADD COLUMN preview          text,
    ADD COLUMN last_message_id  uuid;

CREATE TABLE unroutable_messages (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    domain_id        uuid NOT NULL,
    recipients       text[] NOT NULL,
    message_id       text NOT NULL,
    source_id        text NOT NULL,
    raw_storage_key  text NOT NULL,
    reason           text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, source_id),
    FOREIGN KEY (organization_id, domain_id) REFERENCES domains (organization_id, id)
);

ALTER TABLE unroutable_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON unroutable_messages
    USING (organization_id = current_organization_id())
    WITH CHECK (organization_id = current_organization_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON unroutable_messages TO mailman_tenant;
