"""`InMemoryDmarcReportRepository`: a domain's DMARC reports over the in-memory tables, and
the summary summed as the SQL of `PostgresDmarcReportRepository` sums it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import ScopedRepository, keyset_page
from mailman.domain.dmarc import AggregateReport
from mailman.domain.dmarc_reports import (
    SUMMARY_SOURCES,
    DmarcReport,
    DmarcSummaryFigures,
    Failure,
    NewDmarcReport,
    ReportFilter,
    ReportStatus,
    ReportWindow,
    SourceFigures,
    StoredRow,
    StoreOutcome,
    aggregate_messages,
)
from mailman.domain.pagination import PageRequest


class InMemoryDmarcReportRepository(ScopedRepository):
    def _visible(self) -> list[DmarcReport]:
        return [
            r for r in self._tables.dmarc_reports.values() if self._scope.sees(r.organization_id)
        ]

    def add(self, reports: Sequence[NewDmarcReport]) -> list[tuple[UUID, StoreOutcome]]:
        return [self._add(new) for new in reports]

    def _add(self, new: NewDmarcReport) -> tuple[UUID, StoreOutcome]:
        self._scope.check(new.organization_id)
        found = self._existing(new)
        if found is not None:
            return found
        stored = _report(new, uuid.uuid4(), self._scope.stamp())
        self._tables.dmarc_reports[stored.id] = stored
        self._tables.dmarc_positions[stored.id] = new.position
        outcome = StoreOutcome.STORED if stored.status == ReportStatus.OK else StoreOutcome.FAILED
        return stored.id, outcome

    def _existing(self, new: NewDmarcReport) -> tuple[UUID, StoreOutcome] | None:
        key = new.source.raw_storage_key
        for found in self._tables.dmarc_reports.values():
            if found.domain_id != new.domain_id:
                continue
            if isinstance(new.report, Failure):
                if found.status == ReportStatus.FAILED and (
                    found.raw_storage_key,
                    self._tables.dmarc_positions[found.id],
                ) == (key, new.position):
                    return found.id, StoreOutcome.SEEN
            elif found.status == ReportStatus.OK and (found.reporter, found.report_id) == (
                new.report.reporter,
                new.report.report_id,
            ):
                self._count_copy(found, key)
                return found.id, StoreOutcome.DUPLICATE
        return None

    def _count_copy(self, found: DmarcReport, key: str) -> None:
        last = self._tables.dmarc_last_copy.get(found.id)
        if key in (found.raw_storage_key, last):
            return
        self._tables.dmarc_last_copy[found.id] = key
        self._tables.dmarc_reports[found.id] = replace(found, duplicates=found.duplicates + 1)

    def list(self, domain_id: UUID, which: ReportFilter, page: PageRequest) -> list[DmarcReport]:
        chosen = [
            replace(r, rows=())
            for r in self._visible()
            if r.domain_id == domain_id and _matches(r, which)
        ]
        return keyset_page(chosen, page)

    def get(self, domain_id: UUID, report_id: UUID) -> DmarcReport | None:
        found = self._tables.dmarc_reports.get(report_id)
        if found is None or found.domain_id != domain_id:
            return None
        return found if self._scope.sees(found.organization_id) else None

    def summary(self, domain_id: UUID, window: ReportWindow) -> DmarcSummaryFigures:
        mine = [r for r in self._visible() if r.domain_id == domain_id]
        ok = [
            r
            for r in mine
            if r.status == ReportStatus.OK
            and r.begin is not None
            and r.end is not None
            and window.overlaps(r.begin, r.end)
        ]
        failed = [r for r in mine if r.status == ReportStatus.FAILED and _received_in(r, window)]
        sources = _sources(ok)
        latest = max(ok, key=lambda r: (r.end, r.created_at, r.id), default=None)
        return DmarcSummaryFigures(
            reports=len(ok),
            failed_reports=len(failed),
            reporters=len({r.reporter for r in ok}),
            days=len({r.begin.date() for r in ok if r.begin is not None}),
            first_begin=min((r.begin for r in ok if r.begin is not None), default=None),
            last_end=max((r.end for r in ok if r.end is not None), default=None),
            messages=sum(s.messages for s in sources),
            dkim_aligned_pass=sum(s.dkim_aligned_pass for s in sources),
            spf_aligned_pass=sum(s.spf_aligned_pass for s in sources),
            dmarc_pass=sum(s.dmarc_pass for s in sources),
            policy=latest.policy.p if latest is not None and latest.policy else None,
            sources=tuple(
                sorted(sources, key=lambda s: (-s.messages, s.source_ip, s.reporter))[
                    :SUMMARY_SOURCES
                ]
            ),
            failing_sources=tuple(
                sorted(
                    (s for s in sources if s.dmarc_fail > 0),
                    key=lambda s: (-s.dmarc_fail, s.source_ip, s.reporter),
                )[:SUMMARY_SOURCES]
            ),
        )


def _received_in(report: DmarcReport, window: ReportWindow) -> bool:
    return (window.since is None or report.received_at >= window.since) and (
        window.until is None or report.received_at < window.until
    )


def _matches(report: DmarcReport, which: ReportFilter) -> bool:
    if which.status is not None and report.status != which.status:
        return False
    if which.reporter is not None and (report.reporter or "").lower() != which.reporter.lower():
        return False
    if which.window.since is None and which.window.until is None:
        return True
    if report.begin is None or report.end is None:
        return False
    return which.window.overlaps(report.begin, report.end)


def _sources(reports: Iterable[DmarcReport]) -> list[SourceFigures]:
    sums: dict[tuple[str, str | None, str], list[int]] = {}
    for report in reports:
        for row in report.rows:
            key = (row.source_ip, row.reverse_dns, report.reporter or "")
            found = sums.setdefault(key, [0, 0, 0, 0])
            found[0] += row.count
            found[1] += row.count if row.dkim_aligned == "pass" else 0
            found[2] += row.count if row.spf_aligned == "pass" else 0
            found[3] += row.count if row.dmarc_pass else 0
    return [
        SourceFigures(ip, name, reporter, *figures)
        for (ip, name, reporter), figures in sums.items()
    ]


def _report(new: NewDmarcReport, report_id: UUID, at: datetime) -> DmarcReport:
    source = new.source
    base = DmarcReport(
        id=report_id,
        organization_id=new.organization_id,
        domain_id=new.domain_id,
        status=ReportStatus.FAILED,
        filename=new.report.filename,
        raw_storage_key=source.raw_storage_key,
        message_id=source.message_id,
        received_at=source.received_at,
        created_at=at,
    )
    if isinstance(new.report, Failure):
        return replace(base, failure_reason=new.report.reason, failure_detail=new.report.detail)
    return _aggregate(new.report, base)


def _aggregate(report: AggregateReport, base: DmarcReport) -> DmarcReport:
    messages, passed = aggregate_messages(report)
    rows = tuple(StoredRow(**vars(row)) for row in report.rows)
    return replace(
        base,
        status=ReportStatus.OK,
        format=report.format,
        reporter=report.reporter,
        reporter_email=report.reporter_email,
        report_id=report.report_id,
        begin=report.begin,
        end=report.end,
        policy=report.policy,
        errors=report.errors,
        messages=messages,
        dmarc_pass=passed,
        row_count=len(rows),
        rows=rows,
    )
