"""DMARC reports in PostgreSQL, through the real API and the real inbound function: a report
sent twice stored once, a failed one kept, the summary's totals summed by SQL exactly,
another organisation seeing nothing, and bad query parameters refused naming the field."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from functions.api.budget import MAX_LAMBDA_RESPONSE_BYTES
from functions.inbound import handler as inbound
from local.apigw import LambdaContext
from mailman.domain.dmarc_reports import ReportFilter, summary_window
from mailman.domain.pagination import PageRequest
from mailman.services import dmarc

from ..dmarc_mail import START, FakeReader, report, report_mail, report_xml, row, zipped
from .conftest import Tenant, function_container
from .inbound_records import inbound_record
from .mail_helpers import MailSink, receive_raw, rows

GZ = ("google.com!example.com!1.xml.gz", "application/gzip")
REPORTS = "dmarc-reports@example.com"


@pytest.fixture
def reader(monkeypatch: pytest.MonkeyPatch) -> FakeReader:
    fake = FakeReader()
    monkeypatch.setattr(dmarc, "_reader", lambda: fake)
    return fake


def _domain_id(box: MailSink) -> str:
    [(found,)] = rows(box, "SELECT id FROM domains WHERE name = 'example.com'")
    return str(found)


def _send(box: MailSink, reader: FakeReader, *reports: Any, source_id: str = "") -> None:
    files = []
    for found in reports:
        content = uuid4().bytes
        reader.reports[content] = found
        files.append((*GZ, content))
    receive_raw(
        box, report_mail(files), source_id=source_id or f"ses-{uuid4()}", envelope=(REPORTS,)
    )


def _ask(tenant: Tenant, path: str) -> Any:
    where, _, query = path.partition("?")
    return tenant.api.get(where, query=query)


def _get(tenant: Tenant, path: str) -> dict[str, Any]:
    answer = _ask(tenant, path)
    assert answer.status == 200, answer.json()
    found: dict[str, Any] = answer.json()
    return found


# -- storage --------------------------------------------------------------------------------


def test_a_report_sent_twice_is_stored_once(
    tenant: Tenant, mailbox: MailSink, reader: FakeReader
) -> None:
    first = report("r1", [row("192.0.2.1", 10), row("2001:db8::5", 2, dkim="fail")])
    raw = report_mail([(*GZ, b"one")])
    reader.reports[b"one"] = first

    receive_raw(mailbox, raw, source_id="ses-a", envelope=(REPORTS,))
    receive_raw(mailbox, raw, source_id="ses-a", envelope=(REPORTS,))  # redelivered
    receive_raw(mailbox, report_mail([(*GZ, b"one")]), source_id="ses-b", envelope=(REPORTS,))

    assert rows(mailbox, "SELECT report_id, duplicates, messages FROM dmarc_reports") == [
        ("r1", 1, 12)
    ]
    assert rows(
        mailbox, "SELECT host(source_ip), count FROM dmarc_report_rows ORDER BY position"
    ) == [("192.0.2.1", 10), ("2001:db8::5", 2)]
    assert rows(mailbox, "SELECT count(*) FROM events WHERE type = %s", dmarc.RECEIVED) == [(1,)]
    assert rows(mailbox, "SELECT count(*) FROM messages") == [(0,)]


def test_a_failed_report_is_kept_with_its_reason(
    tenant: Tenant, mailbox: MailSink, reader: FakeReader
) -> None:
    raw = report_mail([("bad.xml.gz", "application/gzip", b"junk")])

    receive_raw(mailbox, raw, source_id="ses-bad", envelope=(REPORTS,))
    receive_raw(mailbox, raw, source_id="ses-bad", envelope=(REPORTS,))

    listed = _get(tenant, f"/domains/{_domain_id(mailbox)}/dmarc/reports?status=failed")["data"]
    assert [(r["status"], r["failure_reason"], r["filename"]) for r in listed] == [
        ("failed", "bad_archive", "bad.xml.gz")
    ]
    assert listed[0]["failure_detail"] == "not a gzip file"
    assert rows(mailbox, "SELECT count(*) FROM events WHERE type = %s", dmarc.FAILED) == [(1,)]


def test_text_postgres_cannot_hold_is_cleaned_not_refused(
    tenant: Tenant, mailbox: MailSink, reader: FakeReader
) -> None:
    hostile = report("r\x00id", [row("192.0.2.1", 1, header_from="a\x00b")], reporter="x\x00y")

    _send(mailbox, reader, hostile)

    assert rows(mailbox, "SELECT reporter, report_id FROM dmarc_reports") == [("xy", "rid")]


# -- the API ----------------------------------------------------------------------------------


def test_a_report_is_listed_and_read_with_its_rows(
    tenant: Tenant, mailbox: MailSink, reader: FakeReader
) -> None:
    _send(mailbox, reader, report("r1", [row("192.0.2.1", 7), row("192.0.2.9", 2, spf="fail")]))
    domain = _domain_id(mailbox)

    [listed] = _get(tenant, f"/domains/{domain}/dmarc/reports")["data"]
    found = _get(tenant, f"/domains/{domain}/dmarc/reports/{listed['id']}")

    assert (listed["reporter"], listed["report_id"], listed["messages"]) == ("google.com", "r1", 9)
    assert "rows" not in listed
    assert (found["policy"]["p"], found["rows_truncated"]) == ("none", False)
    assert [
        (r["source_ip"], r["count"], r["spf_aligned"], r["dmarc_pass"]) for r in found["rows"]
    ] == [
        ("192.0.2.1", 7, "pass", True),
        ("192.0.2.9", 2, "fail", True),
    ]
    assert found["rows"][0]["auth_results"][0] == {
        "method": "dkim",
        "domain": "example.com",
        "result": "pass",
        "selector": "s1",
        "scope": None,
    }


def test_a_report_too_large_for_one_answer_answers_the_rows_that_fit(
    tenant: Tenant, mailbox: MailSink, reader: FakeReader
) -> None:
    sender = "s" * 990 + ".example"  # at the cap of a value: 7,000 records, some 7 MB of JSON
    _send(mailbox, reader, report("big", [row("192.0.2.1", 1, header_from=sender)] * 7_000))
    [listed] = _get(tenant, f"/domains/{_domain_id(mailbox)}/dmarc/reports")["data"]

    answer = _ask(tenant, f"/domains/{_domain_id(mailbox)}/dmarc/reports/{listed['id']}")

    assert answer.status == 200
    assert _payload(answer) <= MAX_LAMBDA_RESPONSE_BYTES
    found = answer.json()
    assert (found["row_count"], found["rows_truncated"]) == (7_000, True)
    assert 0 < len(found["rows"]) < 7_000


def _payload(answer: Any) -> int:
    """The bytes of the proxy result Lambda would hand API Gateway for this answer."""
    return len(json.dumps({"statusCode": answer.status, "body": answer.result.body.decode()}))


def test_the_list_filters_and_pages(tenant: Tenant, mailbox: MailSink, reader: FakeReader) -> None:
    for n in range(3):
        _send(mailbox, reader, report(f"g{n}", [row("192.0.2.1", 1)], day=n * 3))
    _send(mailbox, reader, report("m1", [row("192.0.2.1", 1)], reporter="Microsoft", day=4))
    base = f"/domains/{_domain_id(mailbox)}/dmarc/reports"

    first = _get(tenant, f"{base}?limit=2")
    rest = _get(tenant, f"{base}?limit=2&page_token={first['next_page_token']}")
    by_reporter = _get(tenant, f"{base}?reporter=MICROSOFT")["data"]
    since = (START + timedelta(days=3, hours=1)).isoformat().replace("+", "%2B")
    until = (START + timedelta(days=6)).isoformat().replace("+", "%2B")
    windowed = _get(tenant, f"{base}?since={since}&until={until}")["data"]

    assert [r["report_id"] for r in first["data"] + rest["data"]] == ["g0", "g1", "g2", "m1"]
    assert rest["next_page_token"] is None
    assert [r["report_id"] for r in by_reporter] == ["m1"]
    assert [r["report_id"] for r in windowed] == ["g1", "m1"]


def test_the_summary_totals_are_exact_over_several_reports_and_records(
    tenant: Tenant, mailbox: MailSink, reader: FakeReader
) -> None:
    _send(
        mailbox,
        reader,
        report("g1", [row("192.0.2.1", 10), row("192.0.2.1", 5, dkim="fail")], day=0),
        report(
            "g2",
            [row("192.0.2.1", 20), row("198.51.100.7", 4, dkim="fail", spf="fail")],
            day=1,
        ),
    )
    _send(
        mailbox,
        reader,
        report(
            "m1",
            [row("192.0.2.1", 8, spf="fail"), row("192.0.2.1", 3)],
            day=1,
            reporter="Microsoft",
        ),
        report("old", [row("192.0.2.1", 1000)], day=-40),  # before the window
    )
    since = START.isoformat().replace("+", "%2B")
    until = (START + timedelta(days=10)).isoformat().replace("+", "%2B")

    summary = _get(
        tenant, f"/domains/{_domain_id(mailbox)}/dmarc/summary?since={since}&until={until}"
    )

    assert (summary["reports"], summary["reporters"], summary["days"]) == (3, 2, 2)
    assert (
        summary["messages"],
        summary["dkim_aligned_pass"],
        summary["spf_aligned_pass"],
        summary["dmarc_pass"],
    ) == (50, 41, 38, 46)
    assert summary["rates"]["dmarc"] == pytest.approx(46 / 50)
    assert [
        (s["source_ip"], s["reporter"], s["messages"], s["dmarc_fail"]) for s in summary["sources"]
    ] == [
        ("192.0.2.1", "google.com", 35, 0),
        ("192.0.2.1", "Microsoft", 11, 0),
        ("198.51.100.7", "google.com", 4, 4),
    ]
    assert [s["source_ip"] for s in summary["failing_sources"]] == ["198.51.100.7"]
    advice = summary["recommendation"]
    assert (advice["current_policy"], advice["next_policy"], advice["safe"]) == (
        "none",
        "quarantine",
        False,
    )
    assert "reports cover 2 days, fewer than 14" in advice["reasons"]
    assert advice["rule"]["min_days"] == 14


def test_the_memory_store_sums_as_postgres_does(
    tenant: Tenant, mailbox: MailSink, reader: FakeReader
) -> None:
    from mailman.adapters.memory.dmarc import InMemoryDmarcReportRepository

    _send(
        mailbox,
        reader,
        report("a", [row("192.0.2.1", 3), row("192.0.2.2", 4, dkim="fail", spf="fail")], day=0),
        report(
            "b", [row("192.0.2.2", 6, spf="fail")], day=2, reporter="Yahoo", policy="quarantine"
        ),
    )
    with mailbox.container.uow(mailbox.organization_id) as work:
        [listed] = [work.dmarc.list(d.id, ReportFilter(), PageRequest()) for d in _domains(work)]
        reports = [work.dmarc.get(r.domain_id, r.id) for r in listed]
        window = summary_window(START, START + timedelta(days=5), START)
        in_sql = work.dmarc.summary(listed[0].domain_id, window)
    memory = _memory_store(reports, InMemoryDmarcReportRepository)

    assert memory.summary(listed[0].domain_id, window) == in_sql


def _domains(work: Any) -> list[Any]:
    return list(work.domains.list(PageRequest()))


def _memory_store(reports: list[Any], repository: Any) -> Any:
    from mailman.adapters.memory.clock import FixedClock
    from mailman.adapters.memory.tables import Scope, Tables

    tables = Tables()
    for found in reports:
        tables.dmarc_reports[found.id] = found
    return repository(Scope(tables, None, FixedClock(START)))


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("reports?since=yesterday", 400, "since"),
        ("reports?status=maybe", 400, "status"),
        ("reports?limit=0", 400, "limit"),
        ("reports?page_token=nope", 400, "page_token"),
        ("reports?since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z", 400, "until"),
        ("summary?until=2026-11-01T00:00:00Z&since=2026-11-01T00:00:00Z", 400, "until"),
        ("summary?since=soon", 400, "since"),
        ("reports?reporter=google%00.com", 400, "reporter"),
        ("summary?since=9999-12-31T00:00:00Z", 400, "since"),
    ],
)
def test_bad_query_parameters_are_refused_naming_the_field(
    tenant: Tenant, mailbox: MailSink, query: str, status: int, field: str
) -> None:
    answer = _ask(tenant, f"/domains/{_domain_id(mailbox)}/dmarc/{query}")

    assert answer.status == status
    assert answer.json()["error"]["field"] == field


def test_a_summary_until_the_first_days_of_year_one_answers_an_empty_summary(
    tenant: Tenant, mailbox: MailSink
) -> None:
    found = _get(tenant, f"/domains/{_domain_id(mailbox)}/dmarc/summary?until=0001-01-05T00:00:00Z")

    assert (found["reports"], found["messages"]) == (0, 0)


# -- row-level security -------------------------------------------------------------------------


def test_another_organisation_sees_nothing(
    tenant: Tenant, other_tenant: Tenant, mailbox: MailSink, reader: FakeReader
) -> None:
    _send(mailbox, reader, report("r1", [row("192.0.2.1", 7)]))
    domain = _domain_id(mailbox)
    [listed] = _get(tenant, f"/domains/{domain}/dmarc/reports")["data"]

    for path in ("reports", f"reports/{listed['id']}", "summary"):
        assert other_tenant.api.get(f"/domains/{domain}/dmarc/{path}").status == 404
    assert tenant.api.get(f"/domains/{domain}/dmarc/reports/{uuid4()}").status == 404
    with mailbox.container.uow(other_tenant.organization_id) as work:
        assert work.dmarc.list(listed["domain_id"], ReportFilter(), PageRequest()) == []
        assert work.dmarc.get(listed["domain_id"], listed["id"]) is None
        assert (
            work.dmarc.summary(listed["domain_id"], summary_window(None, None, START)).messages == 0
        )


# -- the inbound function --------------------------------------------------------------------


@pytest.fixture
def inbound_env(
    mailbox: MailSink, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    with function_container(inbound.container, database_url, monkeypatch):
        yield


def _record(ses_id: str, raw: bytes, recipients: list[str]) -> dict[str, Any]:
    return inbound_record(ses_id, raw, recipients, source="noreply-dmarc-support@google.com")


@pytest.mark.usefixtures("inbound_env")
def test_the_inbound_function_stores_report_mail_and_fails_no_record(
    tenant: Tenant, mailbox: MailSink
) -> None:
    xml = report_xml("r1", [("192.0.2.1", 5, "pass", "fail"), ("192.0.2.2", 1, "fail", "fail")])
    good = _record("ses-good", report_mail([("r.zip", "application/zip", zipped(xml))]), [REPORTS])
    junk = _record("ses-junk", report_mail([("x.zip", "application/zip", b"PK junk")]), [REPORTS])
    empty = _record("ses-empty", report_mail([]), [REPORTS])

    result = inbound.handler({"Records": [good, junk, empty]}, LambdaContext("mailman-inbound"))

    assert result == {"batchItemFailures": []}
    assert rows(
        mailbox,
        "SELECT status, coalesce(report_id, failure_reason), messages, dmarc_pass "
        "FROM dmarc_reports ORDER BY created_at",
    ) == [("ok", "r1", 6, 5), ("failed", "bad_archive", 0, 0), ("failed", "no_report_file", 0, 0)]
    assert rows(mailbox, "SELECT count(*) FROM messages") == [(0,)]
