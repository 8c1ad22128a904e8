"""The port of DMARC aggregate reports: kept per domain as receiving reads them, listed and
summed for the API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from mailman.domain.dmarc_reports import (
        DmarcReport,
        DmarcSummaryFigures,
        NewDmarcReport,
        ReportFilter,
        ReportWindow,
        StoreOutcome,
    )
    from mailman.domain.pagination import PageRequest


class DmarcReportRepository(Protocol):
    def add(self, reports: Sequence[NewDmarcReport]) -> list[tuple[UUID, StoreOutcome]]:
        """Keep each report (an aggregate report with its rows, or a failure), answering for
        each the stored report's id and what was done: `STORED` or `FAILED` for a new one;
        `DUPLICATE` when the domain holds the reporter's report of that id already (the copy
        is counted on it, unless it came in the very mail that brought it); `SEEN` when this
        file of this mail was stored already."""
        ...

    def list(self, domain_id: UUID, which: ReportFilter, page: PageRequest) -> list[DmarcReport]:
        """The domain's reports oldest first (created_at, id) from after the page's cursor,
        one more than the page holds; without their rows."""
        ...

    def get(self, domain_id: UUID, report_id: UUID) -> DmarcReport | None:
        """The domain's report with its rows in the report's order."""
        ...

    def summary(self, domain_id: UUID, window: ReportWindow) -> DmarcSummaryFigures:
        """The domain's figures over the aggregate reports whose range overlaps `window` (and
        the count of failed reports received in it), summed by the store."""
        ...
