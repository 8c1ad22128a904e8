"""DMARC reports against the in-memory store: mail to `dmarc-reports@<domain>` kept as
reports (once, or failed with the reason) instead of delivered, the API's reads, the
summary's figures and the recommendation's rule."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from mailman.adapters.memory.scanner import FakeScanner
from mailman.domain.dmarc import ReadReport, ReportFile
from mailman.domain.dmarc_reports import (
    NO_REPORT_FILE,
    QUARANTINED,
    RULE,
    UNREADABLE,
    UNSTORABLE,
    DmarcSummaryFigures,
    ReportFilter,
    ReportStatus,
    ReportWindow,
    SourceFigures,
    recommend,
    summary_window,
)
from mailman.domain.errors import NotFound, ValidationError
from mailman.domain.event_catalogue import entry
from mailman.domain.inbound import InboundMail
from mailman.domain.pagination import PageRequest
from mailman.domain.scanning import ScanPart, ScanReport
from mailman.services import dmarc
from mailman.services.receiving import Incoming, Received, Scanning, receive, receive_batch

from ..dmarc_mail import (
    START,
    FakeReader,
    gzipped,
    report,
    report_mail,
    report_xml,
    row,
    zipped,
)
from .world import World, add_domain

GZ = ("google.com!example.com!1.xml.gz", "application/gzip")


@pytest.fixture
def reader(monkeypatch: pytest.MonkeyPatch) -> FakeReader:
    fake = FakeReader()
    monkeypatch.setattr(dmarc, "_reader", lambda: fake)
    return fake


def deliver(
    world: World,
    raw: bytes,
    *,
    source_id: str = "ses-r1",
    to: tuple[str, ...] = ("dmarc-reports@example.com",),
    virus: str = "PASS",
) -> Received:
    mail = InboundMail(
        source="ses",
        source_id=source_id,
        received_at=world.clock.now(),
        envelope_recipients=to,
        verdicts={"spam": "PASS", "virus": virus},
    )
    return receive(world.uow, world.blobs, mail, raw, scanning=world.scanning)


def stored(world: World) -> list[Any]:
    return sorted(world.tables.dmarc_reports.values(), key=lambda r: r.created_at)


def events(world: World, kind: str) -> list[dict[str, Any]]:
    return [e.event.payload for e in world.tables.events if e.event.type == kind]


def holds(kind: str, payload: dict[str, Any]) -> None:
    entry(kind).payload.model_validate(payload)


# -- receiving ------------------------------------------------------------------------------


def test_a_report_mail_is_stored_for_its_domain_and_reaches_no_inbox(
    world: World, reader: FakeReader
) -> None:
    reader.reports[b"r1"] = report("r1", [row("192.0.2.1", 10), row("192.0.2.2", 3, dkim="fail")])

    received = deliver(world, report_mail([(*GZ, b"r1")]))

    assert received.stored == ()
    assert received.unroutable == ()
    assert received.dmarc_reports == 1
    [kept] = stored(world)
    assert (kept.status, kept.reporter, kept.report_id) == (ReportStatus.OK, "google.com", "r1")
    assert (kept.domain_id, kept.messages, kept.dmarc_pass, kept.row_count) == (
        world.domain.id,
        13,
        13,
        2,
    )
    assert world.tables.messages == {}
    [event] = events(world, dmarc.RECEIVED)
    holds(dmarc.RECEIVED, event)
    assert event["dmarc_report_id"] == str(kept.id)
    assert event["messages"] == 13


class SlowScanner(FakeScanner):
    """Scans, and by then the invocation's clock stands past the deadline."""

    def __init__(self, clock: list[float]) -> None:
        super().__init__()
        self.clock = clock

    def scan(self, parts: Sequence[ScanPart], deadline: float | None = None) -> ScanReport:
        report = super().scan(parts, deadline)
        self.clock[0] = 100.0
        return report


def test_a_report_mail_left_no_time_to_be_read_waits_for_the_queue(
    world: World, reader: FakeReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader.reports[b"r1"] = report("r1", [row("192.0.2.1", 10)])
    clock = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    mail = InboundMail(
        source="ses",
        source_id="ses-late",
        received_at=world.clock.now(),
        envelope_recipients=("dmarc-reports@example.com",),
        verdicts={"spam": "PASS", "virus": "PASS"},
    )
    incoming = Incoming(mail, report_mail([(*GZ, b"r1")]))

    [late] = receive_batch(
        world.uow, world.blobs, [incoming], Scanning(SlowScanner(clock), 4, deadline=50.0)
    )

    assert isinstance(late, dmarc.ReadingDeferred)
    assert stored(world) == []
    assert events(world, dmarc.RECEIVED) == []
    clock[0] = 0.0
    [again] = receive_batch(world.uow, world.blobs, [incoming], Scanning(FakeScanner(), 4, 50.0))
    assert isinstance(again, Received)
    assert [r.report_id for r in stored(world)] == ["r1"]


def test_gzip_zip_and_plain_xml_reports_are_read_by_the_real_reader(world: World) -> None:
    xml = report_xml("g1", [("192.0.2.1", 5, "pass", "fail"), ("2001:db8::1", 2, "fail", "fail")])
    files = [
        ("logo.png", "image/png", b"\x89PNG"),
        ("google.com!example.com!1.xml.gz", "application/gzip", gzipped(xml)),
        (
            "report.zip",
            "application/zip",
            zipped(report_xml("z1", [("192.0.2.7", 3, "pass", "pass")])),
        ),
        ("report.xml", "text/xml", report_xml("x1", [("192.0.2.8", 1, "fail", "pass")])),
    ]

    received = deliver(world, report_mail(files))

    assert received.dmarc_reports == 3
    kept = stored(world)
    assert [(r.report_id, r.messages, r.dmarc_pass) for r in kept] == [
        ("g1", 7, 5),
        ("z1", 3, 3),
        ("x1", 1, 1),
    ]
    assert [r.source_ip for r in kept[0].rows] == ["192.0.2.1", "2001:db8::1"]


def test_a_mail_whose_files_hold_no_report_is_a_failed_report(world: World) -> None:
    deliver(world, report_mail([("logo.png", "image/png", b"\x89PNG")]))

    [kept] = stored(world)
    assert (kept.status, kept.failure_reason) == (ReportStatus.FAILED, NO_REPORT_FILE)


def test_a_broken_archive_is_kept_failed_by_the_real_reader(world: World) -> None:
    deliver(world, report_mail([("r.xml.gz", "application/gzip", b"not gzip at all")]))

    [kept] = stored(world)
    assert kept.status == ReportStatus.FAILED
    assert kept.failure_reason == "bad_archive"


def test_an_inbox_or_catch_all_of_the_reports_address_gets_nothing(
    world: World, reader: FakeReader
) -> None:
    reader.reports[b"r1"] = report("r1", [row("192.0.2.1", 1)])
    world.add_inbox("dmarc-reports")
    world.add_inbox("everything", catch_all=True)

    received = deliver(world, report_mail([(*GZ, b"r1")]))

    assert received.stored == ()
    assert world.tables.messages == {}
    assert len(stored(world)) == 1


def test_other_recipients_of_a_report_mail_get_it_as_usual(
    world: World, reader: FakeReader
) -> None:
    reader.reports[b"r1"] = report("r1", [row("192.0.2.1", 1)])

    received = deliver(
        world,
        report_mail([(*GZ, b"r1")]),
        to=("dmarc-reports@example.com", "support@example.com"),
    )

    assert [s.created for s in received.stored] == [True]
    assert len(stored(world)) == 1


def test_the_reports_address_only_in_the_headers_is_no_report(
    world: World, reader: FakeReader
) -> None:
    received = deliver(world, report_mail([(*GZ, b"r1")]), to=("support@example.com",))

    assert len(received.stored) == 1
    assert stored(world) == []
    assert reader.calls == []


def test_a_report_for_a_domain_that_is_not_ours_is_not_read(
    world: World, reader: FakeReader
) -> None:
    received = deliver(world, report_mail([(*GZ, b"r1")]), to=("dmarc-reports@elsewhere.example",))

    assert received.stored == ()
    assert received.dmarc_reports == 0
    assert stored(world) == []
    assert reader.calls == []


def test_a_report_sent_twice_is_stored_once_and_its_copy_counted(
    world: World, reader: FakeReader
) -> None:
    reader.reports[b"r1"] = report("r1", [row("192.0.2.1", 10)])
    raw = report_mail([(*GZ, b"r1")])

    deliver(world, raw, source_id="ses-a")
    deliver(world, raw, source_id="ses-a")  # the queue delivered the same mail again
    deliver(world, report_mail([(*GZ, b"r1")]), source_id="ses-b")  # the reporter resent it

    [kept] = stored(world)
    assert kept.duplicates == 1
    assert len(events(world, dmarc.RECEIVED)) == 1


def test_a_file_that_cannot_be_read_is_kept_failed_with_its_reason(
    world: World, reader: FakeReader
) -> None:
    reader.reports[b"r1"] = report("r1", [row("192.0.2.1", 10)])
    raw = report_mail([(*GZ, b"r1"), ("broken.xml.gz", "application/gzip", b"junk")])

    deliver(world, raw)
    deliver(world, raw)  # redelivered: the failure is not kept twice

    kept = stored(world)
    assert [(r.status, r.failure_reason) for r in kept] == [
        (ReportStatus.OK, None),
        (ReportStatus.FAILED, "bad_archive"),
    ]
    assert kept[1].filename == "broken.xml.gz"
    assert kept[1].failure_detail == "not a gzip file"
    [event] = events(world, dmarc.FAILED)
    holds(dmarc.FAILED, event)
    assert event["reason"] == "bad_archive"


def test_a_mail_with_no_report_file_is_a_failed_report(world: World, reader: FakeReader) -> None:
    deliver(world, report_mail([]))

    [kept] = stored(world)
    assert (kept.status, kept.failure_reason) == (ReportStatus.FAILED, NO_REPORT_FILE)
    assert reader.calls == []


def test_a_quarantined_report_mail_is_not_read_and_is_a_failed_report(
    world: World, reader: FakeReader
) -> None:
    deliver(world, report_mail([(*GZ, b"r1")]), virus="FAIL")

    [kept] = stored(world)
    assert (kept.failure_reason, kept.failure_detail) == (
        QUARANTINED,
        "the mail was quarantined: virus",
    )
    assert reader.calls == []


def test_a_reader_that_fails_fails_no_mail(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(files: Sequence[ReportFile]) -> list[ReadReport]:
        raise RecursionError("deep")

    monkeypatch.setattr(dmarc, "_reader", lambda: broken)

    received = deliver(world, report_mail([(*GZ, b"r1")]))

    assert received.dmarc_reports == 1
    [kept] = stored(world)
    assert (kept.failure_reason, kept.filename) == (UNREADABLE, GZ[0])


def test_a_report_holding_what_no_column_takes_is_kept_failed(
    world: World, reader: FakeReader
) -> None:
    reader.reports[b"ip"] = report("r1", [row("192.0.2.1", 1), row("not-an-ip", 1)])
    reader.reports[b"n"] = report("r2", [row("192.0.2.1", 2**60)])

    deliver(world, report_mail([(*GZ, b"ip"), (*GZ, b"n")]))

    assert [(r.failure_reason, r.failure_detail) for r in stored(world)] == [
        (UNSTORABLE, "record 2: source_ip is not an IP address"),
        (UNSTORABLE, "record 1: count is out of range"),
    ]


def test_text_a_column_cannot_hold_is_cleaned(world: World, reader: FakeReader) -> None:
    reader.reports[b"r1"] = replace(
        report("r1", [row("2001:DB8::1", 1)]), reporter="evil\x00corp" + "x" * 5000
    )

    deliver(world, report_mail([(*GZ, b"r1")]))

    [kept] = stored(world)
    assert kept.reporter is not None
    assert "\x00" not in kept.reporter
    assert len(kept.reporter) == 1000
    assert kept.rows[0].source_ip == "2001:db8::1"


def test_a_report_mail_to_two_organisations_domains_is_kept_by_each(
    world: World, reader: FakeReader
) -> None:
    reader.reports[b"r1"] = report("r1", [row("192.0.2.1", 4)])
    other = world.add_organization()
    theirs = add_domain(world.uow, other, "globex.example")

    deliver(
        world,
        report_mail([(*GZ, b"r1")]),
        to=("dmarc-reports@example.com", "dmarc-reports@globex.example"),
    )

    assert {(r.organization_id, r.domain_id) for r in stored(world)} == {
        (world.organization_id, world.domain.id),
        (other, theirs.id),
    }


# -- the API's reads --------------------------------------------------------------------------


def _store(world: World, reader: FakeReader, *reports: Any) -> None:
    files = []
    for n, found in enumerate(reports):
        reader.reports[f"f{n}".encode()] = found
        files.append((*GZ, f"f{n}".encode()))
    deliver(world, report_mail(files), source_id=f"ses-{uuid4()}")


def _list(world: World, which: ReportFilter | None = None) -> list[str]:
    page = dmarc.list_reports(
        world.uow, world.organization_id, world.domain.id, which or ReportFilter(), PageRequest()
    )
    return [r.report_id or r.failure_reason or "" for r in page.items]


def test_the_list_filters_by_status_reporter_and_range(world: World, reader: FakeReader) -> None:
    _store(
        world,
        reader,
        report("g0", [row("192.0.2.1", 1)], day=0),
        report("m3", [row("192.0.2.1", 1)], day=3, reporter="Microsoft"),
        report("g5", [row("192.0.2.1", 1)], day=5),
    )
    deliver(world, report_mail([]), source_id="ses-empty")

    assert _list(world) == ["g0", "m3", "g5", NO_REPORT_FILE]
    assert _list(world, ReportFilter(status=ReportStatus.FAILED)) == [NO_REPORT_FILE]
    assert _list(world, ReportFilter(reporter="microsoft")) == ["m3"]
    window = ReportWindow.of(START + timedelta(days=3, hours=12), START + timedelta(days=5))
    assert _list(world, ReportFilter(window=window)) == ["m3"]


def test_the_list_reads_on_page_by_page(world: World, reader: FakeReader) -> None:
    _store(world, reader, *(report(f"r{n}", [row("192.0.2.1", 1)], day=n) for n in range(5)))

    first = dmarc.list_reports(
        world.uow, world.organization_id, world.domain.id, ReportFilter(), PageRequest(2)
    )
    rest = dmarc.list_reports(
        world.uow,
        world.organization_id,
        world.domain.id,
        ReportFilter(),
        PageRequest.parse(10, first.next_page_token),
    )

    assert [r.report_id for r in first.items] == ["r0", "r1"]
    assert [r.report_id for r in rest.items] == ["r2", "r3", "r4"]
    assert rest.next_page_token is None


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        ReportWindow.of(START, START)
    assert refused.value.field == "until"


def test_a_report_is_read_with_its_rows(world: World, reader: FakeReader) -> None:
    _store(world, reader, report("r1", [row("192.0.2.1", 7), row("192.0.2.9", 2, spf="fail")]))
    [kept] = stored(world)

    found = dmarc.get_report(world.uow, world.organization_id, world.domain.id, kept.id)

    assert [(r.source_ip, r.count, r.spf_aligned) for r in found.rows] == [
        ("192.0.2.1", 7, "pass"),
        ("192.0.2.9", 2, "fail"),
    ]
    assert found.policy is not None
    assert found.policy.p == "none"


def test_another_organisations_domain_and_report_are_not_found(
    world: World, reader: FakeReader
) -> None:
    _store(world, reader, report("r1", [row("192.0.2.1", 7)]))
    [kept] = stored(world)
    other = world.add_organization()
    theirs = add_domain(world.uow, other, "globex.example")

    with pytest.raises(NotFound):
        dmarc.get_report(world.uow, other, world.domain.id, kept.id)
    with pytest.raises(NotFound):
        dmarc.get_report(world.uow, world.organization_id, world.domain.id, uuid4())
    with pytest.raises(NotFound):
        dmarc.list_reports(
            world.uow, world.organization_id, theirs.id, ReportFilter(), PageRequest()
        )
    with pytest.raises(NotFound):
        dmarc.summarize(world.uow, world.clock, other, world.domain.id, None, None)


# -- the summary --------------------------------------------------------------------------------


def _summary(world: World, since: datetime | None = None, until: datetime | None = None) -> Any:
    return dmarc.summarize(
        world.uow, world.clock, world.organization_id, world.domain.id, since, until
    )


def test_the_summary_sums_every_record_of_every_report_by_source(
    world: World, reader: FakeReader
) -> None:
    _store(
        world,
        reader,
        report("g1", [row("192.0.2.1", 10), row("192.0.2.1", 5, dkim="fail")], day=0),
        report(
            "g2", [row("192.0.2.1", 20), row("198.51.100.7", 4, dkim="fail", spf="fail")], day=1
        ),
        report("m1", [row("192.0.2.1", 8, spf="fail")], day=1, reporter="Microsoft"),
    )
    deliver(world, report_mail([]), source_id="ses-empty")

    summary = _summary(world, START, START + timedelta(days=30))  # the failure came on day 20
    f = summary.figures

    assert (f.reports, f.failed_reports, f.reporters, f.days) == (3, 1, 2, 2)
    assert (f.messages, f.dkim_aligned_pass, f.spf_aligned_pass, f.dmarc_pass) == (47, 38, 35, 43)
    assert [(s.source_ip, s.reporter, s.messages, s.dmarc_pass) for s in f.sources] == [
        ("192.0.2.1", "google.com", 35, 35),
        ("192.0.2.1", "Microsoft", 8, 8),
        ("198.51.100.7", "google.com", 4, 0),
    ]
    assert [(s.source_ip, s.dmarc_fail) for s in f.failing_sources] == [("198.51.100.7", 4)]
    assert summary.rates == {"dkim_aligned": 38 / 47, "spf_aligned": 35 / 47, "dmarc": 43 / 47}
    assert f.policy == "none"


def test_the_summary_counts_only_reports_overlapping_its_window(
    world: World, reader: FakeReader
) -> None:
    _store(
        world,
        reader,
        report("old", [row("192.0.2.1", 100)], day=0),
        report("new", [row("192.0.2.1", 1)], day=20, policy="quarantine"),
    )

    f = _summary(world, START + timedelta(days=10), START + timedelta(days=30)).figures

    assert (f.reports, f.messages, f.policy) == (1, 1, "quarantine")


def test_the_summary_defaults_to_the_last_thirty_days(world: World) -> None:
    summary = _summary(world)

    assert summary.window.until == world.clock.now()
    assert summary.window.since == world.clock.now() - timedelta(days=30)
    assert summary.figures == DmarcSummaryFigures()
    assert summary.rates["dmarc"] is None


# -- the recommendation ----------------------------------------------------------------------------


def _figures(**changes: Any) -> DmarcSummaryFigures:
    base = DmarcSummaryFigures(
        reports=20, reporters=2, days=20, messages=10_000, dkim_aligned_pass=9_950,
        spf_aligned_pass=9_990, dmarc_pass=9_990, policy="none",
        first_begin=START, last_end=START + timedelta(days=20),
    )  # fmt: skip
    return replace(base, **changes)


def _source(ip: str, messages: int, passed: int) -> SourceFigures:
    return SourceFigures(ip, None, "google.com", messages, passed, passed, passed)


def test_moving_up_is_safe_when_the_data_meets_every_part_of_the_rule() -> None:
    advice = recommend(_figures(failing_sources=(_source("192.0.2.9", 10, 0),)))

    assert (advice.current_policy, advice.next_policy, advice.safe) == ("none", "quarantine", True)
    assert advice.reasons == ()
    assert "safe" in advice.advice


def test_from_quarantine_the_next_step_is_reject() -> None:
    advice = recommend(_figures(policy="Quarantine"))

    assert (advice.current_policy, advice.next_policy) == ("quarantine", "reject")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"days": RULE.min_days - 1}, "reports cover 13 days, fewer than 14"),
        ({"messages": 499, "dmarc_pass": 499}, "reports cover 499 messages, fewer than 500"),
        ({"dmarc_pass": 9_700}, "DMARC passes for 97.0% of messages, below 98%"),
        (
            {"failing_sources": (_source("203.0.113.5", 60, 0),)},
            "sources with real volume fail DMARC: 203.0.113.5 (60 failing)",
        ),
    ],
)
def test_each_part_of_the_rule_blocks_the_move_and_says_why(
    changes: dict[str, Any], reason: str
) -> None:
    advice = recommend(_figures(**changes))

    assert not advice.safe
    assert advice.reasons == (reason,)
    assert reason in advice.advice


def test_at_reject_or_with_no_known_policy_there_is_no_step() -> None:
    at_top = recommend(_figures(policy="reject"))
    unknown = recommend(_figures(policy=None))
    odd = recommend(_figures(policy="maybe"))

    assert (at_top.next_policy, at_top.safe) == (None, False)
    assert at_top.reasons == ("the policy is reject already",)
    assert unknown.next_policy is None
    assert unknown.advice == (
        "Nothing to advise yet: no report in the window says which policy is published."
    )
    assert odd.reasons == ("the published policy 'maybe' is not one DMARC knows",)


def test_the_summary_of_a_clean_month_recommends_the_next_step(
    world: World, reader: FakeReader
) -> None:
    _store(world, reader, *(report(f"d{n}", [row("192.0.2.1", 40)], day=n) for n in range(15)))

    summary = _summary(world, START, START + timedelta(days=30))

    assert summary.recommendation.safe
    assert summary.recommendation.next_policy == "quarantine"


def test_naive_times_are_utc() -> None:
    window = ReportWindow.of(datetime(2026, 11, 1), None)

    assert window.since == datetime(2026, 11, 1, tzinfo=UTC)


def test_a_summary_until_the_first_days_of_year_one_starts_at_the_earliest_time() -> None:
    until = datetime(1, 1, 5, tzinfo=UTC)

    window = summary_window(None, until, datetime(2026, 12, 1, tzinfo=UTC))

    assert (window.since, window.until) == (datetime.min.replace(tzinfo=UTC), until)


def test_a_summary_since_a_future_time_without_until_names_since() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)

    with pytest.raises(ValidationError) as refused:
        summary_window(now + timedelta(days=1), None, now)

    assert refused.value.field == "since"


def test_a_source_failing_a_little_at_each_of_several_reporters_blocks_the_move() -> None:
    # 40 failing of 10,000 at each of two reporters: 0.4% each, 0.8% of all mail together.
    seen_by = [replace(_source("203.0.113.5", 40, 0), reporter=r) for r in ("google", "yahoo")]

    advice = recommend(_figures(failing_sources=tuple(seen_by)))

    assert not advice.safe
    assert advice.reasons == ("sources with real volume fail DMARC: 203.0.113.5 (80 failing)",)
