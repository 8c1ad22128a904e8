"""DMARC aggregate reports: what a receiver (Google, Microsoft, Yahoo, ...) tells a domain
about the mail it saw from it, as RFC 7489 appendix C or the newer DMARCbis aggregate
format describe it.

The DMARC record we publish asks for reports at `dmarc-reports@<domain>`
(`mailman.domain.dns_records.DMARC_REPORT_LOCAL_PART`). Mail to that address is read as
reports (`mailman.dmarc.read_reports`): each attached file (gzip, zip or plain XML) answers
one `AggregateReport`, or one `FailedReport` saying why it could not be read, which is kept
too: a report is never dropped, and nothing in one can crash receiving.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReportFormat(StrEnum):
    RFC7489 = "rfc7489"
    DMARCBIS = "dmarcbis"


class FailureReason(StrEnum):
    """Why a report file could not be read."""

    TOO_LARGE = "too_large"
    """Over the compressed or decompressed size cap, or the expansion ratio cap (a bomb)."""
    BAD_ARCHIVE = "bad_archive"
    """Not a readable gzip or zip file, or a zip without exactly one XML report in it."""
    FORBIDDEN_XML = "forbidden_xml"
    """A DTD, an entity declaration or an external reference: never expanded."""
    NOT_XML = "not_xml"
    """Not well-formed XML."""
    NOT_A_REPORT = "not_a_report"
    """Well-formed, but not an aggregate report (a required element missing or invalid)."""
    TOO_MANY_RECORDS = "too_many_records"
    TOO_MANY_FILES = "too_many_files"
    """A mail's report files past the cap: none of them is read."""


@dataclass(frozen=True)
class ReportFile:
    """One attached file of a report mail, as received."""

    filename: str | None
    content_type: str
    content: bytes


@dataclass(frozen=True)
class PolicyPublished:
    """The DMARC record the receiver found for the domain."""

    domain: str
    p: str | None
    """none, quarantine or reject."""
    sp: str | None = None
    np: str | None = None
    """DMARCbis: the policy for non-existent subdomains."""
    adkim: str | None = None
    """r (relaxed) or s (strict)."""
    aspf: str | None = None
    pct: int | None = None
    """RFC 7489 only (DMARCbis dropped it for `testing`)."""
    testing: str | None = None
    """DMARCbis: y or n."""
    fo: str | None = None
    discovery_method: str | None = None
    """DMARCbis: how the receiver found the policy's domain, psl or treewalk."""


@dataclass(frozen=True)
class AuthResult:
    """One DKIM signature's or one SPF check's raw result, before alignment."""

    method: str
    """dkim or spf."""
    domain: str
    result: str
    """pass, fail, none, neutral, temperror, permerror, policy, softfail."""
    selector: str | None = None
    """DKIM's selector."""
    scope: str | None = None
    """SPF's scope: mfrom or helo."""


@dataclass(frozen=True)
class ReportRow:
    """One `record` of a report: mail from one source IP with one set of results."""

    source_ip: str
    count: int
    disposition: str
    """What the receiver did: none, quarantine or reject (DMARCbis also pass)."""
    dkim_aligned: str
    """policy_evaluated's dkim: pass or fail (aligned DKIM)."""
    spf_aligned: str
    """policy_evaluated's spf: pass or fail (aligned SPF)."""
    header_from: str
    envelope_from: str | None = None
    envelope_to: str | None = None
    reasons: tuple[str, ...] = ()
    """Policy override reasons (forwarded, mailing_list, local_policy, ...)."""
    auth_results: tuple[AuthResult, ...] = ()

    @property
    def dmarc_pass(self) -> bool:
        """DMARC passes when either aligned result passes."""
        return self.dkim_aligned == "pass" or self.spf_aligned == "pass"


@dataclass(frozen=True)
class AggregateReport:
    format: ReportFormat
    reporter: str
    """report_metadata's org_name."""
    reporter_email: str | None
    report_id: str
    begin: datetime
    end: datetime
    policy: PolicyPublished
    rows: tuple[ReportRow, ...]
    extra_contact: str | None = None
    errors: tuple[str, ...] = ()
    """report_metadata's error elements: what the reporter says went wrong."""
    filename: str | None = None


@dataclass(frozen=True)
class FailedReport:
    reason: FailureReason
    detail: str
    filename: str | None = None


ReadReport = AggregateReport | FailedReport
