-- Sending: the states of outgoing mail, its place in the outbound queue, idempotency keys.
--
-- A message row is its own outbox entry: the API stores it (pending, or scheduled with
-- `send_at`) and then queues its id; the dispatcher queues any row that is due and was not
-- queued (or whose queue message was lost), so no row is stuck unqueued and no queue
-- message exists without its row. `sending` marks the hand-off to SES: set, and committed,
-- before SES is called, so a queue message delivered again never sends twice.
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN (
    'draft', 'scheduled', 'pending', 'sending', 'sent', 'delivered', 'bounced', 'complained',
    'failed', 'cancelled'));
ALTER TABLE messages
    ADD COLUMN send_at        timestamptz,
    ADD COLUMN queued_at      timestamptz,
    ADD COLUMN handed_off_at  timestamptz,
    ADD COLUMN send_attempts  integer NOT NULL DEFAULT 0;

-- What the dispatcher looks for: outgoing mail due to be queued, and hand-offs SES never
-- confirmed.
CREATE INDEX messages_outbound_due ON messages ((COALESCE(send_at, created_at)))
    WHERE status IN ('pending', 'scheduled');
CREATE INDEX messages_outbound_handed_off ON messages (handed_off_at) WHERE status = 'sending';

-- Why a recipient of an outgoing message was not sent to (suppressed, for one).
ALTER TABLE message_recipients ADD COLUMN status_reason text;

-- A send made with an Idempotency-Key: the same key within 24 hours answers the message it
-- made; the same key with another request is refused.
CREATE TABLE idempotency_keys (
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    key              text NOT NULL,
    request_sha256   text NOT NULL,
    message_id       uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Files uploaded straight to S3 (presigned PUT) for a later send to attach.
CREATE TABLE uploads (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    filename         text NOT NULL,
    content_type     text NOT NULL,
    storage_key      text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    UNIQUE (organization_id, id)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['idempotency_keys', 'uploads'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I '
            'USING (organization_id = current_organization_id()) '
            'WITH CHECK (organization_id = current_organization_id())',
            t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO mailman_tenant', t);
    END LOOP;
END
$$;
