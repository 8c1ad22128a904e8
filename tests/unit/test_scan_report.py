"""The scan report's domain rules: part names, the verdict of the parts, the quarantine
reason, and the definitions' age read from the engine string."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailman.domain.inbound import InboundMail, quarantine_reason
from mailman.domain.scanning import (
    FAILED,
    OFF,
    PartOutcome,
    PartResult,
    ScanReport,
    ScanVerdict,
    definitions_age_hours,
    definitions_date,
    judge,
    scan_parts,
    zip_member_over,
)
from tests.eicar import zipped

ENGINE = "ClamAV 1.4.3/27480/Mon Dec  7 09:24:01 2026"


def test_the_definitions_date_is_read_from_the_engine_string() -> None:
    assert definitions_date(ENGINE) == datetime(2026, 12, 7, 9, 24, 1, tzinfo=UTC)


def test_the_definitions_age_is_in_hours() -> None:
    now = datetime(2026, 12, 9, 21, 24, 1, tzinfo=UTC)

    assert definitions_age_hours(ENGINE, now) == 60.0


@pytest.mark.parametrize(
    "engine",
    [None, "", "FakeScanner 1/1", "ClamAV 1.4.3", "ClamAV 1.4.3/27480/not a date", "a/b/c/d"],
)
def test_an_engine_string_without_a_date_has_no_age(engine: str | None) -> None:
    assert definitions_date(engine) is None
    assert definitions_age_hours(engine, datetime(2026, 12, 7, tzinfo=UTC)) is None


def test_definitions_dated_ahead_of_the_clock_are_not_negative() -> None:
    assert definitions_age_hours(ENGINE, datetime(2026, 12, 7, tzinfo=UTC)) == 0.0


def test_the_parts_are_the_raw_message_then_each_attachment_by_name() -> None:
    parts = scan_parts(b"raw", [("a.zip", b"zip"), (None, b"unnamed")])

    assert [(p.name, p.content) for p in parts] == [
        ("message", b"raw"),
        ("attachment 1 (a.zip)", b"zip"),
        ("attachment 2", b"unnamed"),
    ]


def test_a_signature_anywhere_fails_the_message_even_beside_unscanned_parts() -> None:
    report = judge(
        [
            PartResult("message", PartOutcome.UNSCANNED),
            PartResult("attachment 1", PartOutcome.INFECTED, "Eicar"),
        ],
        ENGINE,
    )

    assert (report.verdict, report.signature, report.quarantine_reason) == (
        ScanVerdict.FAIL,
        "Eicar",
        "virus",
    )


def _mail(**verdicts: str) -> InboundMail:
    return InboundMail("ses", "ses-1", datetime(2026, 12, 7, tzinfo=UTC), verdicts=verdicts)


def test_our_signature_comes_before_the_parsers_reason() -> None:
    found = ScanReport(ScanVerdict.FAIL, ENGINE, "Eicar")

    assert quarantine_reason(_mail(), "too_many_headers", found) == "virus"


def test_a_failed_scan_says_less_than_any_other_reason() -> None:
    assert quarantine_reason(_mail(), "too_many_headers", FAILED) == "too_many_headers"
    assert quarantine_reason(_mail(virus="FAIL"), None, FAILED) == "virus"
    assert quarantine_reason(_mail(), None, FAILED) == "scan_failed"


@pytest.mark.parametrize(
    "report", [OFF, ScanReport(ScanVerdict.UNSCANNED, ENGINE, None, ("message",))]
)
def test_unscanned_or_off_mail_is_not_quarantined_for_it(report: ScanReport) -> None:
    assert quarantine_reason(_mail(), None, report) is None


def test_a_zip_member_over_the_limit_is_found_by_its_declared_size() -> None:
    archive = zipped({"small.txt": b"a" * 100, "big.txt": b"a" * 5000})

    assert zip_member_over(archive, 4999)
    assert not zip_member_over(archive, 5000)


@pytest.mark.parametrize(
    "content", [b"", b"plain text", b"PK\x03\x04 not really a zip", zipped({})[:-5]]
)
def test_what_is_no_readable_zip_has_no_member_over_any_limit(content: bytes) -> None:
    assert not zip_member_over(content, 0)
