-- Delivery tracking: what SES reports for each recipient of a sent message, the suppression
-- list's details, the hourly counts that reputation reads, and a domain's sending brake.

-- A message's status summarises its recipients' once SES has reported on them.
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN (
    'draft', 'scheduled', 'pending', 'sending', 'sent', 'delivered', 'partially_delivered',
    'bounced', 'complained', 'rejected', 'failed', 'cancelled'));

-- A recipient's delivery state. The event that set `status` is kept (its time and id): of
-- two events, the one of higher rank wins, then the later, then the greater id, so any order
-- of the same events ends in the same state. Each outcome keeps its first time; a delay is a
-- note beside the state (the latest one), never a state.
ALTER TABLE message_recipients
    ADD COLUMN status_at                timestamptz,
    ADD COLUMN status_event_id          text,
    ADD COLUMN sent_at                  timestamptz,
    ADD COLUMN delivered_at             timestamptz,
    ADD COLUMN bounced_at               timestamptz,
    ADD COLUMN complained_at            timestamptz,
    ADD COLUMN rejected_at              timestamptz,
    ADD COLUMN failed_at                timestamptz,
    ADD COLUMN delayed_at               timestamptz,
    ADD COLUMN delay_type               text,
    ADD COLUMN delay_expires_at         timestamptz,
    ADD COLUMN bounce_type              text,
    ADD COLUMN bounce_sub_type          text,
    ADD COLUMN smtp_status              text,
    ADD COLUMN diagnostic_code          text,
    ADD COLUMN complaint_feedback_type  text;
CREATE INDEX message_recipients_status ON message_recipients (organization_id, status)
    WHERE status IS NOT NULL;

-- One row per SES event per recipient (a Send names every destination): `source_event_id`
-- is SES's feedback id where it gives one, else a digest of the event, so the same
-- notification delivered twice is one row.
ALTER TABLE delivery_events ALTER COLUMN recipient SET NOT NULL;
ALTER TABLE delivery_events ADD COLUMN ses_message_id text;
CREATE INDEX delivery_events_recipient ON delivery_events (organization_id, recipient, occurred_at);

-- Why an address is suppressed: a hard bounce, repeated soft bounces, a complaint, the
-- caller (manual) or an unsubscribe; `details` holds what the bounce or complaint said, or
-- the caller's note.
ALTER TABLE suppressed_addresses DROP CONSTRAINT suppressed_addresses_reason_check;
ALTER TABLE suppressed_addresses ADD CONSTRAINT suppressed_addresses_reason_check CHECK (
    reason IN ('bounce', 'soft_bounce', 'complaint', 'manual', 'unsubscribe'));
ALTER TABLE suppressed_addresses ADD COLUMN details jsonb NOT NULL DEFAULT '{}';
CREATE INDEX suppressed_addresses_org_created ON suppressed_addresses
    (organization_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX suppressed_addresses_org_address ON suppressed_addresses
    (organization_id, address text_pattern_ops) WHERE deleted_at IS NULL;

-- Per inbox and hour, how many recipients reached each outcome (counted once, when the
-- recipient first reaches it, in the hour of the event): what the stats and the brake read.
CREATE TABLE delivery_counts (
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    domain_id        uuid NOT NULL,
    inbox_id         uuid NOT NULL,
    hour             timestamptz NOT NULL,
    sent             integer NOT NULL DEFAULT 0,
    delivered        integer NOT NULL DEFAULT 0,
    hard_bounced     integer NOT NULL DEFAULT 0,
    soft_bounced     integer NOT NULL DEFAULT 0,
    complained       integer NOT NULL DEFAULT 0,
    rejected         integer NOT NULL DEFAULT 0,
    delayed          integer NOT NULL DEFAULT 0,
    PRIMARY KEY (inbox_id, hour),
    FOREIGN KEY (organization_id, inbox_id) REFERENCES inboxes (organization_id, id),
    FOREIGN KEY (organization_id, domain_id) REFERENCES domains (organization_id, id)
);
CREATE INDEX delivery_counts_domain ON delivery_counts (domain_id, hour);
ALTER TABLE delivery_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON delivery_counts
    USING (organization_id = current_organization_id())
    WITH CHECK (organization_id = current_organization_id());
GRANT SELECT, INSERT, UPDATE ON delivery_counts TO mailman_tenant;

-- The brake: a domain whose bounce or complaint rate crossed its threshold stops sending
-- until resumed; the figures that tripped it are kept, and a resume starts a fresh window.
ALTER TABLE domains
    ADD COLUMN sending_paused_at      timestamptz,
    ADD COLUMN sending_paused_reason  text,
    ADD COLUMN sending_paused_figures jsonb,
    ADD COLUMN sending_resumed_at     timestamptz;
