"""DMARC: the aggregate reports receivers send about a domain's mail (to
`dmarc-reports@<domain>`, the address the DMARC record we publish names), and the summary
that says whether moving the domain's policy up is safe. See docs/dmarc.md."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailman.domain.access import Scope
from mailman.domain.dmarc_reports import (
    MAX_REPORTER_LENGTH,
    ReportFilter,
    ReportStatus,
    ReportWindow,
)
from mailman.domain.pagination import PageRequest
from mailman.services import dmarc

from .. import budget
from ..access import requires
from ..dependencies import caller_uow, container, organization_id
from ..schemas.common import Limit, ListOf, PageToken, page_of
from ..schemas.dmarc import (
    DmarcReportOut,
    DmarcReportWithRowsOut,
    DmarcSummaryOut,
    ReportRowOut,
)

router = Router()
TAGS = ["DMARC"]

Since = Annotated[
    datetime | None,
    Query(
        description="Reports whose range ends after this time (ISO 8601; UTC without an offset)."
    ),
]
Until = Annotated[
    datetime | None,
    Query(description="Reports whose range begins before this time."),
]


@router.get(
    "/domains/<domain_id>/dmarc/reports",
    operation_id="dmarc.reports.list",
    summary="A domain's DMARC aggregate reports, oldest first",
    description="Filter by the reports' date range (`since`, `until`: the range overlaps "
    "them), `reporter` (its name, any case) and `status` (`ok`, or `failed`: files that "
    "could not be read, with their reason). Rows are not listed: read one report for them.",
    tags=TAGS,
    **requires(Scope.DOMAINS_READ, organization_wide=True),
)
def list_reports(
    domain_id: UUID,
    since: Since = None,
    until: Until = None,
    reporter: Annotated[str | None, Query(max_length=MAX_REPORTER_LENGTH)] = None,
    status: Annotated[ReportStatus | None, Query()] = None,
    limit: Limit = None,
    page_token: PageToken = None,
) -> ListOf[DmarcReportOut]:
    which = ReportFilter(ReportWindow.of(since, until), reporter, status)
    page = dmarc.list_reports(
        caller_uow(router),
        organization_id(router),
        domain_id,
        which,
        PageRequest.parse(limit, page_token),
    )
    return page_of(page, DmarcReportOut.model_validate)


@router.get(
    "/domains/<domain_id>/dmarc/reports/<dmarc_report_id>",
    operation_id="dmarc.reports.get",
    summary="One DMARC report of a domain, with its records",
    tags=TAGS,
    **requires(Scope.DOMAINS_READ, organization_wide=True),
)
def get_report(domain_id: UUID, dmarc_report_id: UUID) -> DmarcReportWithRowsOut:
    found = dmarc.get_report(
        caller_uow(router), organization_id(router), domain_id, dmarc_report_id
    )
    # A report's records may be many times what one Lambda answer carries (6 MB): those that
    # fit the page budget are answered, and the answer says when some were left out.
    rows, _ = budget.fit(found.rows, ReportRowOut.model_validate, budget.MAX_PAGE_BYTES)
    answer = DmarcReportWithRowsOut.model_validate(replace(found, rows=()))
    return answer.model_copy(update={"rows": rows, "rows_truncated": len(rows) < len(found.rows)})


@router.get(
    "/domains/<domain_id>/dmarc/summary",
    operation_id="dmarc.summary",
    summary="What a domain's DMARC reports add up to, and whether a stricter policy is safe",
    description="Over the reports whose range overlaps `since`..`until` (by default the 30 "
    "days to now): messages by source (IP, reverse DNS name where stored, reporter), the "
    "pass rates of aligned DKIM, aligned SPF and DMARC, the sources failing DMARC, and a "
    "`recommendation`: whether moving the published policy up one step (none -> quarantine "
    "-> reject) is safe by the data, the rule it applies, and why not when not.",
    tags=TAGS,
    **requires(Scope.DOMAINS_READ, organization_wide=True),
)
def summary(domain_id: UUID, since: Since = None, until: Until = None) -> DmarcSummaryOut:
    found = dmarc.summarize(
        caller_uow(router), container().clock, organization_id(router), domain_id, since, until
    )
    return DmarcSummaryOut.model_validate(found)
