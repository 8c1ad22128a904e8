"""DMARC aggregate reports as stored per domain, and what the summary over them says.

A report mail's files are read (`mailman.dmarc.read_reports`) into `AggregateReport`s or
`FailedReport`s; each is kept (`NewDmarcReport`): an aggregate report once per
(domain, reporter, reporter's report id), however often it is sent; a failed one with its
reason. The summary's figures are summed by the database (`DmarcSummaryFigures`); whether
moving the domain's policy up one step is safe by them is decided here (`recommend`), by a
rule stated in full in every answer (`MoveUpRule`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from mailman.domain.dmarc import (
    AggregateReport,
    AuthResult,
    FailedReport,
    PolicyPublished,
    ReadReport,
    ReportFormat,
    ReportRow,
)
from mailman.domain.errors import ValidationError

NO_REPORT_FILE = "no_report_file"
"""A failed report's reason: the mail carried no file a report could be in."""
QUARANTINED = "quarantined"
"""A failed report's reason: the mail itself was quarantined (a virus, a parse limit)."""
UNSTORABLE = "unstorable"
"""A failed report's reason: read, but a value in it cannot be stored (an address that is
no IP address, a count beyond any mail volume)."""
UNREADABLE = "unreadable"
"""A failed report's reason: the reader itself failed on the file (never expected)."""

MAX_TEXT = 1000
"""Longest text kept of a report's field; longer values are cut (reports are hostile input)."""
MAX_COUNT = 2**53
"""A row's message count above this is no real count: the report is refused as unstorable."""
SUMMARY_SOURCES = 100
"""How many sources (and failing sources) a summary lists, the largest first."""
DEFAULT_SUMMARY_DAYS = 30
MAX_REPORTER_LENGTH = 200


class ReportStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"


class StoreOutcome(StrEnum):
    """What storing one read report did."""

    STORED = "stored"
    """A new aggregate report."""
    DUPLICATE = "duplicate"
    """The domain has this reporter's report already: nothing new stored, its copy counted."""
    FAILED = "failed"
    """A failed report, kept with its reason."""
    SEEN = "seen"
    """This very file of this very mail was stored before (the queue delivered it again)."""


@dataclass(frozen=True)
class ReportSource:
    """The mail a report came in."""

    raw_storage_key: str
    message_id: str
    received_at: datetime


@dataclass(frozen=True)
class NewDmarcReport:
    """One read file of a report mail, for one domain, to keep."""

    organization_id: UUID
    domain_id: UUID
    source: ReportSource
    position: int
    """The file's place among the mail's report files: a failed report's identity."""
    report: AggregateReport | Failure


@dataclass(frozen=True)
class Failure:
    """Why a file (or a whole mail) gave no report: a reader's `FailureReason`, or one of
    `NO_REPORT_FILE`, `QUARANTINED`, `UNSTORABLE`, `UNREADABLE`."""

    reason: str
    detail: str
    filename: str | None = None

    @classmethod
    def of(cls, failed: FailedReport) -> Failure:
        return cls(str(failed.reason), clean_text(failed.detail) or "", failed.filename)


@dataclass(frozen=True)
class StoredRow(ReportRow):
    reverse_dns: str | None = None
    """The source's reverse DNS name, where one was stored."""


@dataclass(frozen=True)
class DmarcReport:
    """A stored report: an aggregate report (`status` ok), or why a file could not be read."""

    id: UUID
    organization_id: UUID
    domain_id: UUID
    status: ReportStatus
    filename: str | None
    raw_storage_key: str
    message_id: str
    received_at: datetime
    created_at: datetime
    format: ReportFormat | None = None
    reporter: str | None = None
    reporter_email: str | None = None
    report_id: str | None = None
    begin: datetime | None = None
    end: datetime | None = None
    policy: PolicyPublished | None = None
    errors: tuple[str, ...] = ()
    failure_reason: str | None = None
    failure_detail: str | None = None
    duplicates: int = 0
    """How many more times the same report arrived in other mail."""
    messages: int = 0
    """The rows' counts summed."""
    dmarc_pass: int = 0
    """Of `messages`, how many passed DMARC."""
    row_count: int = 0
    rows: tuple[StoredRow, ...] = field(default=())
    """Only when the report is read alone (`DmarcReportRepository.get`)."""


@dataclass(frozen=True)
class ReportWindow:
    """A time window over the reports' date ranges: a report is in it when its range overlaps
    it (`begin < until` and `end > since`); either end open."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def of(cls, since: datetime | None, until: datetime | None) -> ReportWindow:
        """The window asked for; a time without an offset is UTC; `until` must be later."""
        window = cls(_aware(since), _aware(until))
        if window.since is not None and window.until is not None and window.until <= window.since:
            raise ValidationError("until must be later than since", field="until")
        return window

    def overlaps(self, begin: datetime, end: datetime) -> bool:
        return (self.until is None or begin < self.until) and (
            self.since is None or end > self.since
        )


def summary_window(since: datetime | None, until: datetime | None, now: datetime) -> ReportWindow:
    """The summary's window: as asked, `until` now and `since` 30 days before `until` when
    not given."""
    asked = ReportWindow.of(since, until)
    end = asked.until or now
    if asked.since is not None and asked.since >= end:  # `until` not given: it is now
        raise ValidationError("since must be in the past when until is not given", field="since")
    return ReportWindow.of(asked.since or _days_before(end, DEFAULT_SUMMARY_DAYS), end)


def _days_before(end: datetime, days: int) -> datetime:
    """`days` before `end`, or the earliest time there is when that is before it (an `until`
    in the first days of year 1 is a valid query, not a server error)."""
    try:
        return end - timedelta(days=days)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def _aware(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


@dataclass(frozen=True)
class ReportFilter:
    window: ReportWindow = ReportWindow()
    reporter: str | None = None
    """The reporter's name, any case."""
    status: ReportStatus | None = None


# -- what a report may hold to be stored ---------------------------------------------------


def clean_text(value: str | None) -> str | None:
    """A report's text as it can be stored: no NUL (PostgreSQL refuses it), at most
    `MAX_TEXT` characters."""
    if value is None:
        return None
    return value.replace("\x00", "")[:MAX_TEXT]


def storable(report: ReadReport) -> AggregateReport | Failure:
    """The report as it can be stored: a failed one as its `Failure`, and an aggregate report
    whose row holds a value no column takes as a failure saying which (`UNSTORABLE`)."""
    if isinstance(report, FailedReport):
        return Failure.of(report)
    for position, row in enumerate(report.rows):
        problem = _row_problem(row)
        if problem is not None:
            return Failure(UNSTORABLE, f"record {position + 1}: {problem}", report.filename)
    return _cleaned(report)


def _text(value: str) -> str:
    return clean_text(value) or ""


def _cleaned(report: AggregateReport) -> AggregateReport:
    """Every text of the report as it can be stored, each row's address in canonical form."""
    policy = report.policy
    return replace(
        report,
        reporter=_text(report.reporter),
        reporter_email=clean_text(report.reporter_email),
        report_id=_text(report.report_id),
        extra_contact=clean_text(report.extra_contact),
        errors=tuple(_text(e) for e in report.errors),
        filename=clean_text(report.filename),
        policy=PolicyPublished(
            domain=_text(policy.domain),
            p=clean_text(policy.p),
            sp=clean_text(policy.sp),
            np=clean_text(policy.np),
            adkim=clean_text(policy.adkim),
            aspf=clean_text(policy.aspf),
            pct=policy.pct,
            testing=clean_text(policy.testing),
            fo=clean_text(policy.fo),
            discovery_method=clean_text(policy.discovery_method),
        ),
        rows=tuple(_cleaned_row(row) for row in report.rows),
    )


def _cleaned_row(row: ReportRow) -> ReportRow:
    return ReportRow(
        source_ip=str(ipaddress.ip_address(row.source_ip.strip())),
        count=row.count,
        disposition=_text(row.disposition),
        dkim_aligned=_text(row.dkim_aligned),
        spf_aligned=_text(row.spf_aligned),
        header_from=_text(row.header_from),
        envelope_from=clean_text(row.envelope_from),
        envelope_to=clean_text(row.envelope_to),
        reasons=tuple(_text(r) for r in row.reasons),
        auth_results=tuple(
            AuthResult(
                method=_text(a.method),
                domain=_text(a.domain),
                result=_text(a.result),
                selector=clean_text(a.selector),
                scope=clean_text(a.scope),
            )
            for a in row.auth_results
        ),
    )


def _row_problem(row: ReportRow) -> str | None:
    try:
        ipaddress.ip_address(row.source_ip.strip())
    except ValueError:
        return "source_ip is not an IP address"
    if not 0 <= row.count <= MAX_COUNT:
        return "count is out of range"
    return None


def aggregate_messages(report: AggregateReport) -> tuple[int, int]:
    """(messages, of them passing DMARC) of a report."""
    total = sum(r.count for r in report.rows)
    passed = sum(r.count for r in report.rows if r.dmarc_pass)
    return total, passed


# -- the summary ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFigures:
    """Mail from one source as one reporter saw it."""

    source_ip: str
    reverse_dns: str | None
    reporter: str
    messages: int
    dkim_aligned_pass: int
    spf_aligned_pass: int
    dmarc_pass: int

    @property
    def dmarc_fail(self) -> int:
        return self.messages - self.dmarc_pass


@dataclass(frozen=True)
class DmarcSummaryFigures:
    """What the database sums over a domain's reports in a window."""

    reports: int = 0
    failed_reports: int = 0
    reporters: int = 0
    days: int = 0
    """Distinct UTC days on which a report in the window began."""
    first_begin: datetime | None = None
    last_end: datetime | None = None
    messages: int = 0
    dkim_aligned_pass: int = 0
    spf_aligned_pass: int = 0
    dmarc_pass: int = 0
    policy: str | None = None
    """The policy (`p`) of the latest report in the window: what receivers found published."""
    sources: tuple[SourceFigures, ...] = ()
    """The largest sources by messages (at most `SUMMARY_SOURCES`)."""
    failing_sources: tuple[SourceFigures, ...] = ()
    """The sources with DMARC-failing mail, the most failing first (at most
    `SUMMARY_SOURCES`)."""


def rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


POLICY_STEPS = ("none", "quarantine", "reject")


@dataclass(frozen=True)
class MoveUpRule:
    """When moving the published policy up one step (none -> quarantine -> reject) is safe
    by the reports: they cover enough days and messages, nearly all mail passes DMARC, and no
    single source sending a real share of the mail fails it (it would be your own service,
    not yet signing or in SPF, whose mail the stricter policy would lose)."""

    min_days: int = 14
    min_messages: int = 500
    min_dmarc_pass_rate: float = 0.98
    max_failing_source_share: float = 0.005
    """A source failing DMARC with more than this share of all messages blocks the move."""


RULE = MoveUpRule()


@dataclass(frozen=True)
class Recommendation:
    current_policy: str | None
    next_policy: str | None
    safe: bool
    reasons: tuple[str, ...]
    """Why it is not safe (empty when it is)."""
    rule: MoveUpRule = RULE

    @property
    def advice(self) -> str:
        if self.next_policy is None:
            if self.current_policy == "reject":
                return "The policy is reject already: there is no stricter step."
            return "Nothing to advise yet: " + "; ".join(self.reasons) + "."
        if self.safe:
            return (
                f"Moving from p={self.current_policy} to p={self.next_policy} is safe by the "
                "reports."
            )
        return f"Keep p={self.current_policy} for now: " + "; ".join(self.reasons) + "."


def recommend(figures: DmarcSummaryFigures, rule: MoveUpRule = RULE) -> Recommendation:
    """Whether moving the policy up one step is safe by `figures`, and why not when not."""
    current = (figures.policy or "").lower() or None
    if current not in POLICY_STEPS or current == "reject":
        return Recommendation(current, None, False, _no_step(current), rule)
    following = POLICY_STEPS[POLICY_STEPS.index(current) + 1]
    reasons = _blockers(figures, rule)
    return Recommendation(current, following, not reasons, tuple(reasons), rule)


def _no_step(current: str | None) -> tuple[str, ...]:
    if current == "reject":
        return ("the policy is reject already",)
    if current is None:
        return ("no report in the window says which policy is published",)
    return (f"the published policy {current!r} is not one DMARC knows",)


def _blockers(figures: DmarcSummaryFigures, rule: MoveUpRule) -> list[str]:
    reasons = []
    if figures.days < rule.min_days:
        reasons.append(f"reports cover {figures.days} days, fewer than {rule.min_days}")
    if figures.messages < rule.min_messages:
        reasons.append(f"reports cover {figures.messages} messages, fewer than {rule.min_messages}")
    passing = rate(figures.dmarc_pass, figures.messages)
    if passing is not None and passing < rule.min_dmarc_pass_rate:
        reasons.append(
            f"DMARC passes for {passing:.1%} of messages, below {rule.min_dmarc_pass_rate:.0%}"
        )
    heavy = [
        (ip, failing)
        for ip, failing in _failing_by_ip(figures.failing_sources)
        if figures.messages and failing / figures.messages > rule.max_failing_source_share
    ]
    if heavy:
        named = ", ".join(f"{ip} ({failing} failing)" for ip, failing in heavy[:5])
        reasons.append(f"sources with real volume fail DMARC: {named}")
    return reasons


def _failing_by_ip(sources: tuple[SourceFigures, ...]) -> list[tuple[str, int]]:
    """Each source IP's failing messages over all its reporters, the most first: a source is
    the sending host, which several reporters each see a part of (the figures list it once
    per reporter), so its share is judged over them all."""
    failing: dict[str, int] = {}
    for source in sources:
        failing[source.source_ip] = failing.get(source.source_ip, 0) + source.dmarc_fail
    return sorted(failing.items(), key=lambda item: (-item[1], item[0]))
