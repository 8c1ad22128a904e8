"""Bodies of `routes/dmarc.py`: a domain's DMARC reports, one with its records, and the
summary with its recommendation."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AliasPath, Field

from mailman.domain.dmarc import ReportFormat
from mailman.domain.dmarc_reports import ReportStatus

from .common import Body, Out


class PolicyOut(Out):
    """The DMARC record the reporter found published."""

    domain: str
    p: str | None = Field(description="none, quarantine or reject")
    sp: str | None
    np: str | None = Field(description="DMARCbis: the policy for non-existent subdomains")
    adkim: str | None
    aspf: str | None
    pct: int | None
    testing: str | None = Field(description="DMARCbis: y or n")
    fo: str | None
    discovery_method: str | None = Field(description="DMARCbis: psl or treewalk")


class AuthResultOut(Out):
    method: str = Field(description="dkim or spf")
    domain: str
    result: str
    selector: str | None = Field(description="DKIM's selector")
    scope: str | None = Field(description="SPF's scope: mfrom or helo")


class ReportRowOut(Out):
    """One record of a report: mail from one source with one set of results."""

    source_ip: str
    reverse_dns: str | None = Field(description="The source's reverse DNS name, when stored.")
    count: int = Field(description="Messages this record counts.")
    disposition: str = Field(description="What the receiver did: none, quarantine or reject.")
    dkim_aligned: str = Field(description="Aligned DKIM: pass or fail.")
    spf_aligned: str = Field(description="Aligned SPF: pass or fail.")
    dmarc_pass: bool = Field(description="Either aligned result passed.")
    header_from: str
    envelope_from: str | None
    envelope_to: str | None
    reasons: list[str] = Field(description="Policy override reasons (forwarded, ...).")
    auth_results: list[AuthResultOut] = Field(description="Raw DKIM and SPF results.")


class DmarcReportOut(Out):
    id: UUID
    domain_id: UUID
    status: ReportStatus = Field(
        description="`ok`: an aggregate report; `failed`: a file (or mail) that could not be "
        "read, with `failure_reason`."
    )
    format: ReportFormat | None
    reporter: str | None = Field(description="Who sent it (`org_name`).")
    reporter_email: str | None
    report_id: str | None = Field(description="The reporter's id of the report.")
    begin: datetime | None = Field(description="The start of the range the report covers.")
    end: datetime | None
    policy: PolicyOut | None
    errors: list[str] = Field(description="What the reporter says went wrong.")
    messages: int = Field(description="Messages the report counts.")
    dmarc_pass: int = Field(description="Of them, those that passed DMARC.")
    row_count: int = Field(description="Records in the report.")
    duplicates: int = Field(description="Copies of this report received since in other mail.")
    failure_reason: str | None
    failure_detail: str | None
    filename: str | None
    message_id: str = Field(description="The Message-ID of the mail it came in.")
    received_at: datetime
    created_at: datetime


class DmarcReportWithRowsOut(DmarcReportOut):
    rows: list[ReportRowOut] = Field(
        description="The report's records, in its order: as many as fit one answer (a report "
        "may hold 20,000); `rows_truncated` says whether some were left out."
    )
    rows_truncated: bool = Field(
        default=False,
        description="Whether records past those in `rows` were left out for the answer's size "
        "(`row_count` says how many the report holds).",
    )


class SourceOut(Out):
    source_ip: str
    reverse_dns: str | None
    reporter: str
    messages: int
    dkim_aligned_pass: int
    spf_aligned_pass: int
    dmarc_pass: int
    dmarc_fail: int


class RatesOut(Body):
    dkim_aligned: float | None = Field(description="Share of messages with aligned DKIM passing.")
    spf_aligned: float | None = Field(description="Share of messages with aligned SPF passing.")
    dmarc: float | None = Field(description="Share of messages passing DMARC.")


class RuleOut(Out):
    min_days: int = Field(description="Days with a report, at least.")
    min_messages: int = Field(description="Messages reported, at least.")
    min_dmarc_pass_rate: float
    max_failing_source_share: float = Field(
        description="No source may fail DMARC with more than this share of all messages."
    )


class RecommendationOut(Out):
    current_policy: str | None = Field(description="The policy the latest report found.")
    next_policy: str | None = Field(description="One step up; null at reject or when unknown.")
    safe: bool = Field(description="Whether moving to `next_policy` is safe by the reports.")
    reasons: list[str] = Field(description="Why it is not safe (empty when it is).")
    advice: str
    rule: RuleOut


class DmarcSummaryOut(Out):
    domain_id: UUID
    since: datetime = Field(validation_alias=AliasPath("window", "since"))
    until: datetime = Field(validation_alias=AliasPath("window", "until"))
    reports: int = Field(validation_alias=AliasPath("figures", "reports"))
    failed_reports: int = Field(
        validation_alias=AliasPath("figures", "failed_reports"),
        description="Failed reports received in the window.",
    )
    reporters: int = Field(validation_alias=AliasPath("figures", "reporters"))
    days: int = Field(
        validation_alias=AliasPath("figures", "days"),
        description="Distinct days (UTC) on which a report began.",
    )
    messages: int = Field(validation_alias=AliasPath("figures", "messages"))
    dkim_aligned_pass: int = Field(validation_alias=AliasPath("figures", "dkim_aligned_pass"))
    spf_aligned_pass: int = Field(validation_alias=AliasPath("figures", "spf_aligned_pass"))
    dmarc_pass: int = Field(validation_alias=AliasPath("figures", "dmarc_pass"))
    rates: RatesOut
    sources: list[SourceOut] = Field(
        validation_alias=AliasPath("figures", "sources"),
        description="Messages by source (IP, reverse DNS name, reporter), largest first.",
    )
    failing_sources: list[SourceOut] = Field(
        validation_alias=AliasPath("figures", "failing_sources"),
        description="Sources with mail failing DMARC, the most failing first.",
    )
    recommendation: RecommendationOut
