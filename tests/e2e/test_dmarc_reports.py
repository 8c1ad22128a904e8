"""DMARC aggregate reports sent over SMTP to `dmarc-reports@<domain>` of the local platform,
one gzip and one zip, built here from XML: both appear in the API with their totals."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.dmarc import dmarc_reports_list, dmarc_summary
from mailman_client.api.domains import domains_list
from mailman_client.api.inboxes import inboxes_list
from mailman_client.api.mail import messages_list
from mailman_client.models import (
    DmarcReportOut,
    DmarcSummaryOut,
    ListOfDmarcReportOut,
    ListOfDomainOut,
    ListOfInboxOut,
    ListOfMessageOut,
)

from tests.dmarc_mail import START, gzipped, report_mail, report_xml, zipped
from tests.e2e.conftest import LocalPlatform, ok, poll, running_platform

pytestmark = pytest.mark.e2e

DOMAIN = "mailman.test"
REPORTS = f"dmarc-reports@{DOMAIN}"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(tmp_path_factory, "dmarc", {"MAILMAN_QUICKSTART": "1"}) as running:
        yield running


def _send(platform: LocalPlatform, raw: bytes) -> None:
    address = platform.printed("SMTP")
    assert address is not None, platform.output
    with smtplib.SMTP("127.0.0.1", int(address.rpartition(":")[2]), timeout=10) as smtp:
        smtp.sendmail("noreply-dmarc-support@google.com", [REPORTS], raw)


def _reports(api: AuthenticatedClient, domain_id: UUID) -> list[DmarcReportOut]:
    return ok(ListOfDmarcReportOut, dmarc_reports_list.sync(domain_id, client=api)).data


def test_gzip_and_zip_reports_sent_over_smtp_appear_with_their_totals(
    platform: LocalPlatform, api: AuthenticatedClient
) -> None:
    domain_id = ok(ListOfDomainOut, domains_list.sync(client=api)).data[0].id
    google = report_xml(
        "g-1",
        [("192.0.2.1", 40, "pass", "pass"), ("192.0.2.1", 2, "fail", "pass"),
         ("203.0.113.9", 3, "fail", "fail")],
        domain=DOMAIN,
    )  # fmt: skip
    microsoft = report_xml(
        "m-1", [("192.0.2.1", 15, "pass", "fail")], reporter="Microsoft", domain=DOMAIN, day=1
    )
    _send(
        platform,
        report_mail(
            [(f"google.com!{DOMAIN}!1.xml.gz", "application/gzip", gzipped(google))], to=REPORTS
        ),
    )
    _send(
        platform,
        report_mail(
            [("microsoft.zip", "application/zip", zipped(microsoft, "m.xml"))],
            to=REPORTS,
            sender="dmarcreport@microsoft.com",
        ),
    )

    assert poll(lambda: len(_reports(api, domain_id)) == 2, timeout=10, interval=0.2), _reports(
        api, domain_id
    )
    listed = {r.report_id: r for r in _reports(api, domain_id)}
    assert {k: (r.status, r.messages, r.dmarc_pass) for k, r in listed.items()} == {
        "g-1": ("ok", 45, 42),
        "m-1": ("ok", 15, 15),
    }
    until = datetime(2026, 11, 10, tzinfo=UTC)
    summary = ok(
        DmarcSummaryOut, dmarc_summary.sync(domain_id, client=api, since=START, until=until)
    )
    assert (summary.reports, summary.messages, summary.dmarc_pass) == (2, 60, 57)
    assert [(s.source_ip, s.dmarc_fail) for s in summary.failing_sources] == [("203.0.113.9", 3)]
    assert summary.recommendation.safe is False
    for inbox in ok(ListOfInboxOut, inboxes_list.sync(client=api)).data:
        assert ok(ListOfMessageOut, messages_list.sync(inbox.id, client=api)).data == []
