-- Domain verification: the SES identity's state, the DNS records to publish with the status
-- of each, and the verifier's schedule.

ALTER TABLE domains
    ADD COLUMN region            text,
    ADD COLUMN mail_from_domain  text,
    ADD COLUMN ses_dkim_status   text,
    ADD COLUMN ses_mail_from_status text,
    -- When the domain last stopped being verified (or was created): the verifier backs off
    -- the longer a domain stays pending.
    ADD COLUMN pending_since     timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN next_check_at     timestamptz NOT NULL DEFAULT now();

CREATE INDEX domains_due ON domains (next_check_at) WHERE deleted_at IS NULL;

CREATE TABLE domain_records (
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    domain_id        uuid NOT NULL,
    position         integer NOT NULL,
    purpose          text NOT NULL
                         CHECK (purpose IN
                             ('dkim', 'receiving_mx', 'mail_from_mx', 'mail_from_spf', 'dmarc')),
    type             text NOT NULL CHECK (type IN ('CNAME', 'MX', 'TXT')),
    name             text NOT NULL,
    value            text NOT NULL,
    priority         integer,
    status           text NOT NULL DEFAULT 'missing'
                         CHECK (status IN ('missing', 'wrong', 'verified', 'unknown')),
    found            text[] NOT NULL DEFAULT '{}',
    detail           text,
    checked_at       timestamptz,
    changed_at       timestamptz,
    PRIMARY KEY (domain_id, position),
    FOREIGN KEY (organization_id, domain_id) REFERENCES domains (organization_id, id)
);

ALTER TABLE domain_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON domain_records
    USING (organization_id = current_organization_id())
    WITH CHECK (organization_id = current_organization_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON domain_records TO mailman_tenant;
