"""DMARC aggregate reports: the files of mail to `dmarc-reports@<domain>` read and kept for
the domain (`read_mail`, `store_reports`, called by receiving), and the API's reads of them:
the list, one report with its records, and the summary with its recommendation.

Every file of a report mail gives a stored report, whatever it holds: an aggregate report
(once per reporter's report id: a copy is counted on the first), or a failed report with its
reason; a mail with no report file, or quarantined, gives one failed report. Reading never
raises for what a report holds, which cannot fail receiving; only for the invocation's time
running out (`ReadingDeferred`: the mail waits for the queue, as for a scanner that is down).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from mailman import dmarc
from mailman.domain.dmarc import AggregateReport, ReadReport, ReportFile
from mailman.domain.dmarc_reports import (
    NO_REPORT_FILE,
    QUARANTINED,
    UNREADABLE,
    DmarcReport,
    DmarcSummaryFigures,
    Failure,
    NewDmarcReport,
    Recommendation,
    ReportFilter,
    ReportSource,
    ReportWindow,
    StoreOutcome,
    rate,
    recommend,
    storable,
    summary_window,
)
from mailman.domain.errors import NotFound
from mailman.domain.events import NewEvent
from mailman.domain.pagination import Page, PageRequest
from mailman.ports import Clock, UnitOfWork, UnitOfWorkFactory

RECEIVED = "domain.dmarc_report_received"
FAILED = "domain.dmarc_report_failed"


class Reader(Protocol):
    def __call__(
        self, files: Sequence[ReportFile], *, before_each: Callable[[], None] | None = None
    ) -> list[ReadReport]: ...


class ReadingDeferred(Exception):
    """No time is left in this invocation to read the mail's reports: nothing of the mail is
    stored, and the queue brings it again (to an invocation where it comes first). Reading
    the files of one mail (`MAX_REPORT_FILES` at their caps) takes seconds; ten of them after
    a batch's scans could outlast the function's timeout, which would fail the whole batch."""


def _reader() -> Reader:
    """The reader of report files (`mailman.dmarc` loads it when first asked for)."""
    return dmarc.read_reports


def read_mail(
    files: Sequence[ReportFile], quarantine_reason: str | None, deadline: float | None = None
) -> tuple[AggregateReport | Failure, ...]:
    """What a report mail gives, of its attached `files`: one report or failure per report
    file (the reader skips the others: a logo, the text); one failure for a quarantined
    mail or one with no report file. Raises `ReadingDeferred` only, when a file would start
    being read past `deadline` (a `time.monotonic()` instant)."""
    if quarantine_reason is not None:
        return (Failure(QUARANTINED, f"the mail was quarantined: {quarantine_reason}"),)

    def in_time() -> None:
        if deadline is not None and time.monotonic() >= deadline:
            raise ReadingDeferred("no time left in this invocation to read its reports")

    try:
        read = _reader()(files, before_each=in_time) if files else []
    except ReadingDeferred:
        raise
    except Exception as exc:  # a report must never fail receiving: kept as failed
        detail = f"the report could not be read ({type(exc).__name__})"
        return tuple(Failure(UNREADABLE, detail, f.filename) for f in files)
    if not read:
        return (Failure(NO_REPORT_FILE, "the mail carries no gzip, zip or XML file"),)
    return tuple(storable(r) for r in read)


def store_reports(
    work: UnitOfWork,
    organization_id: UUID,
    domain: tuple[UUID, str],
    source: ReportSource,
    reports: Sequence[AggregateReport | Failure],
) -> list[StoreOutcome]:
    """Keep a mail's reports for the domain (id, name), appending an event for each new one
    (a copy of a report kept already, or a redelivered mail, appends none)."""
    domain_id, name = domain
    new = [
        NewDmarcReport(organization_id, domain_id, source, position, report)
        for position, report in enumerate(reports)
    ]
    outcomes = []
    for entry, (report_id, outcome) in zip(new, work.dmarc.add(new), strict=True):
        if outcome in (StoreOutcome.STORED, StoreOutcome.FAILED):
            work.events.append(_event(entry, report_id, name))
        outcomes.append(outcome)
    return outcomes


def _event(entry: NewDmarcReport, report_id: UUID, name: str) -> NewEvent:
    report = entry.report
    common: dict[str, object] = {
        "domain_id": str(entry.domain_id),
        "domain": name,
        "dmarc_report_id": str(report_id),
        "filename": report.filename,
    }
    if isinstance(report, Failure):
        kind = FAILED
        payload = {**common, "reason": report.reason, "detail": report.detail}
    else:
        kind = RECEIVED
        messages = sum(r.count for r in report.rows)
        payload = {
            **common,
            "reporter": report.reporter,
            "report_id": report.report_id,
            "begin": report.begin.isoformat(),
            "end": report.end.isoformat(),
            "messages": messages,
            "dmarc_pass": sum(r.count for r in report.rows if r.dmarc_pass),
        }
    return NewEvent(
        entry.organization_id,
        type=kind,
        subject_id=entry.domain_id,
        dedup_key=f"{kind}:{report_id}",
        payload=payload,
    )


# -- the API's reads -------------------------------------------------------------------------


def _domain(work: UnitOfWork, domain_id: UUID) -> None:
    if work.domains.get(domain_id) is None:
        raise NotFound("no such domain", field="domain_id")


def list_reports(
    uow: UnitOfWorkFactory,
    organization_id: UUID,
    domain_id: UUID,
    which: ReportFilter,
    page: PageRequest,
) -> Page[DmarcReport]:
    """The domain's reports, oldest first."""
    with uow(organization_id) as work:
        _domain(work, domain_id)
        rows = work.dmarc.list(domain_id, which, page)
    return Page.from_rows(rows, page)


def get_report(
    uow: UnitOfWorkFactory, organization_id: UUID, domain_id: UUID, report_id: UUID
) -> DmarcReport:
    with uow(organization_id) as work:
        _domain(work, domain_id)
        found = work.dmarc.get(domain_id, report_id)
    if found is None:
        raise NotFound("no such DMARC report", field="dmarc_report_id")
    return found


@dataclass(frozen=True)
class DmarcSummary:
    domain_id: UUID
    window: ReportWindow
    figures: DmarcSummaryFigures
    recommendation: Recommendation

    @property
    def rates(self) -> dict[str, float | None]:
        """Each aligned result's and DMARC's pass rate (None when nothing was reported)."""
        f = self.figures
        return {
            "dkim_aligned": rate(f.dkim_aligned_pass, f.messages),
            "spf_aligned": rate(f.spf_aligned_pass, f.messages),
            "dmarc": rate(f.dmarc_pass, f.messages),
        }


def summarize(
    uow: UnitOfWorkFactory,
    clock: Clock,
    organization_id: UUID,
    domain_id: UUID,
    since: datetime | None,
    until: datetime | None,
) -> DmarcSummary:
    """The domain's figures over the window (the last 30 days by default) and whether moving
    its policy up is safe by them."""
    window = summary_window(since, until, clock.now())
    with uow(organization_id) as work:
        _domain(work, domain_id)
        figures = work.dmarc.summary(domain_id, window)
    return DmarcSummary(domain_id, window, figures, recommend(figures))
