-- Domain claims: the first organisation to verify a name holds it.
--
-- Until now a live name belonged to one organisation (the unique index domains_live_name),
-- so any claim, pending or failed, blocked every other organisation for good. Now several
-- organisations may claim a name; each claim proves control of it with a TXT record of its
-- own (`_mailman.<name>` holding `mailman-verification=<verification_token>`), since claims
-- of one name share its SES identity and so its DKIM and MX records. Only one live claim of
-- a name may be verified, and an organisation holds at most one live claim of a name.

ALTER TABLE domains
    ADD COLUMN verification_token text NOT NULL
        DEFAULT replace(gen_random_uuid()::text, '-', '');

ALTER TABLE domain_records DROP CONSTRAINT domain_records_purpose_check;
ALTER TABLE domain_records ADD CONSTRAINT domain_records_purpose_check
    CHECK (purpose IN
        ('dkim', 'receiving_mx', 'mail_from_mx', 'mail_from_spf', 'dmarc', 'ownership'));

-- A domain verified before today held its name alone and proved it with DKIM: it keeps it
-- without an ownership record. Every other live claim must now publish one too: until it is
-- seen, the claim neither sends nor receives (its flags are cleared here, not to trust shared
-- DNS alone), and the next run checks it again.
INSERT INTO domain_records (organization_id, domain_id, position, purpose, type, name, value)
SELECT d.organization_id, d.id, COALESCE(max(r.position) + 1, 0), 'ownership', 'TXT',
       '_mailman.' || d.name, 'mailman-verification=' || d.verification_token
FROM domains d
LEFT JOIN domain_records r ON r.domain_id = d.id
WHERE d.deleted_at IS NULL AND d.status <> 'verified'
GROUP BY d.id;

UPDATE domains
SET next_check_at = now(),
    mx_verified = false, spf_verified = false, dkim_verified = false, dmarc_verified = false
WHERE deleted_at IS NULL AND status <> 'verified';

DROP INDEX domains_live_name;
-- Lookups by name (routing, claims) over every organisation's live claims.
CREATE INDEX domains_live_by_name ON domains (name) WHERE deleted_at IS NULL;
-- First to verify wins: one verified live claim per name.
CREATE UNIQUE INDEX domains_verified_name ON domains (name)
    WHERE deleted_at IS NULL AND status = 'verified';
CREATE UNIQUE INDEX domains_org_live_name ON domains (organization_id, name)
    WHERE deleted_at IS NULL;
