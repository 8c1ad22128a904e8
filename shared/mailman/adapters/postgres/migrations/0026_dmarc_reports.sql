-- DMARC aggregate reports, per domain: what receivers tell a domain about the mail they saw
-- from it (mail to `dmarc-reports@<domain>`), and the files that could not be read.
--
-- An aggregate report is kept once per (domain, reporter, reporter's report id): sent again
-- (in other mail) it is counted in `duplicates`, not stored twice. A failed report is kept
-- once per (domain, mail, file): the queue's redelivery of the mail stores nothing more.
CREATE TABLE dmarc_reports (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id   uuid NOT NULL REFERENCES organizations (id),
    domain_id         uuid NOT NULL,
    status            text NOT NULL CHECK (status IN ('ok', 'failed')),
    format            text CHECK (format IN ('rfc7489', 'dmarcbis')),
    reporter          text,
    reporter_email    text,
    report_id         text,
    begin_at          timestamptz,
    end_at            timestamptz,
    errors            text[] NOT NULL DEFAULT '{}',
    policy_domain     text,
    policy_p          text,
    policy_sp         text,
    policy_np         text,
    policy_adkim      text,
    policy_aspf       text,
    policy_pct        integer,
    policy_testing    text,
    policy_fo         text,
    policy_discovery_method text,
    messages          bigint NOT NULL DEFAULT 0,
    dmarc_pass        bigint NOT NULL DEFAULT 0,
    row_count         integer NOT NULL DEFAULT 0,
    failure_reason    text,
    failure_detail    text,
    filename          text,
    file_position     integer NOT NULL,
    raw_storage_key   text NOT NULL,
    message_id        text NOT NULL,
    received_at       timestamptz NOT NULL,
    duplicates        integer NOT NULL DEFAULT 0,
    last_duplicate_key text,
    -- The statement's time, not the transaction's: a mail's reports list in file order.
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, domain_id) REFERENCES domains (organization_id, id),
    CHECK ((status = 'ok') = (reporter IS NOT NULL AND report_id IS NOT NULL
                              AND begin_at IS NOT NULL AND end_at IS NOT NULL)),
    CHECK ((status = 'failed') = (failure_reason IS NOT NULL))
);
CREATE UNIQUE INDEX dmarc_reports_once ON dmarc_reports (domain_id, reporter, report_id)
    WHERE status = 'ok';
CREATE UNIQUE INDEX dmarc_reports_failed_once
    ON dmarc_reports (domain_id, raw_storage_key, file_position) WHERE status = 'failed';
-- The list, oldest first, filtered by status and reporter in the scan.
CREATE INDEX dmarc_reports_list ON dmarc_reports (domain_id, created_at, id);
-- The summary: a domain's reports whose date range overlaps a window.
CREATE INDEX dmarc_reports_range ON dmarc_reports (domain_id, begin_at, end_at)
    WHERE status = 'ok';

CREATE TABLE dmarc_report_rows (
    organization_id   uuid NOT NULL,
    report_id         uuid NOT NULL,
    position          integer NOT NULL,
    source_ip         inet NOT NULL,
    reverse_dns       text,
    count             bigint NOT NULL CHECK (count >= 0),
    disposition       text NOT NULL,
    dkim_aligned      text NOT NULL,
    spf_aligned       text NOT NULL,
    header_from       text NOT NULL,
    envelope_from     text,
    envelope_to       text,
    reasons           text[] NOT NULL DEFAULT '{}',
    auth_results      jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (report_id, position),
    FOREIGN KEY (organization_id, report_id)
        REFERENCES dmarc_reports (organization_id, id) ON DELETE CASCADE
);

ALTER TABLE dmarc_reports ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON dmarc_reports
    USING (organization_id = current_organization_id())
    WITH CHECK (organization_id = current_organization_id());
ALTER TABLE dmarc_report_rows ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON dmarc_report_rows
    USING (organization_id = current_organization_id())
    WITH CHECK (organization_id = current_organization_id());
-- Reports are written by receiving and read by the API: the tenant neither changes nor
-- deletes them.
GRANT SELECT, INSERT, UPDATE ON dmarc_reports TO mailman_tenant;
GRANT SELECT, INSERT ON dmarc_report_rows TO mailman_tenant;
