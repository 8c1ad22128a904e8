"""Reading DMARC aggregate reports: the reporters' shapes, the archives they come in, and
the files that are refused with the reason why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from mailman.dmarc import Limits, read_reports
from mailman.domain.dmarc import (
    AggregateReport,
    AuthResult,
    FailedReport,
    FailureReason,
    PolicyPublished,
    ReportFile,
    ReportFormat,
    ReportRow,
)

from .dmarc_files import fixture, gzip_file, xml_file, zip_bytes, zip_file


def _read_one(file: ReportFile, limits: Limits | None = None) -> AggregateReport | FailedReport:
    reports = read_reports([file]) if limits is None else read_reports([file], limits)
    assert len(reports) == 1
    return reports[0]


def _report(file: ReportFile) -> AggregateReport:
    report = _read_one(file)
    assert isinstance(report, AggregateReport), report
    return report


def _failure(file: ReportFile, limits: Limits | None = None) -> FailedReport:
    report = _read_one(file, limits)
    assert isinstance(report, FailedReport), report
    return report


def _day(day: int) -> tuple[datetime, datetime]:
    return datetime(2025, 12, day, tzinfo=UTC), datetime(2025, 12, day, 23, 59, 59, tzinfo=UTC)


def _dkim(domain: str, result: str, selector: str | None = None) -> AuthResult:
    return AuthResult("dkim", domain, result, selector=selector)


def _spf(domain: str, result: str, scope: str | None = None) -> AuthResult:
    return AuthResult("spf", domain, result, scope=scope)


GOOGLE = AggregateReport(
    format=ReportFormat.RFC7489,
    reporter="google.com",
    reporter_email="noreply-dmarc-support@google.com",
    report_id="12093853602118425177",
    begin=_day(6)[0],
    end=_day(6)[1],
    policy=PolicyPublished("example.com", "none", sp="none", adkim="r", aspf="r", pct=100),
    rows=(
        ReportRow(
            "192.0.2.10",
            12,
            "none",
            "pass",
            "pass",
            "example.com",
            auth_results=(
                _dkim("example.com", "pass", "mm1"),
                _dkim("amazonses.com", "pass", "ses2025"),
                _spf("mail.example.com", "pass"),
            ),
        ),
        ReportRow(
            "192.0.2.10",
            3,
            "none",
            "fail",
            "pass",
            "example.com",
            auth_results=(_dkim("example.com", "fail", "mm1"), _spf("mail.example.com", "pass")),
        ),
        ReportRow(
            "2001:db8::25",
            1,
            "none",
            "fail",
            "fail",
            "example.com",
            auth_results=(_spf("spoofer.example.net", "softfail"),),
        ),
    ),
    extra_contact="https://support.google.com/a/answer/2466580",
    filename="report.xml",
)

MICROSOFT = AggregateReport(
    format=ReportFormat.RFC7489,
    reporter="Enterprise Outlook",
    reporter_email="dmarcreport@microsoft.com",
    report_id="0c6bd1ab5ef84cd1a2f2d6b2b1e1c0de",
    begin=_day(5)[0],
    end=_day(5)[1],
    policy=PolicyPublished(
        "example.com", "quarantine", sp="quarantine", adkim="s", aspf="r", pct=50, fo="1"
    ),
    rows=(
        ReportRow(
            "198.51.100.7",
            4,
            "none",
            "fail",
            "fail",
            "example.com",
            envelope_from="example.com",
            envelope_to="contoso.example",
            reasons=("forwarded",),
            auth_results=(
                _dkim("example.com", "fail", "mm1"),
                _spf("example.com", "fail", "mfrom"),
            ),
        ),
        ReportRow(
            "192.0.2.10",
            27,
            "none",
            "pass",
            "pass",
            "example.com",
            envelope_from="mail.example.com",
            envelope_to="contoso.example",
            auth_results=(
                _dkim("example.com", "pass", "mm1"),
                _spf("mail.example.com", "pass", "mfrom"),
            ),
        ),
    ),
    filename="report.xml",
)

YAHOO = AggregateReport(
    format=ReportFormat.RFC7489,
    reporter="Yahoo",
    reporter_email="dmarchelp@yahooinc.com",
    report_id="1765152000.812734",
    begin=_day(8)[0],
    end=_day(8)[1],
    policy=PolicyPublished("example.com", "reject"),
    rows=(
        ReportRow(
            "203.0.113.99",
            2,
            "reject",
            "fail",
            "fail",
            "example.com",
            reasons=("local_policy",),
            auth_results=(_dkim("example.com", "none"), _spf("example.net", "neutral")),
        ),
    ),
    filename="report.xml",
)

DMARCBIS = AggregateReport(
    format=ReportFormat.DMARCBIS,
    reporter="Receiver Example",
    reporter_email="dmarc-reporting@receiver.example",
    report_id="receiver.example:20251207:example.com",
    begin=_day(7)[0],
    end=_day(7)[1],
    policy=PolicyPublished(
        "example.com",
        "reject",
        sp="quarantine",
        np="reject",
        adkim="r",
        aspf="s",
        testing="n",
        fo="1",
        discovery_method="treewalk",
    ),
    rows=(
        ReportRow(
            "192.0.2.10",
            40,
            "pass",
            "pass",
            "fail",
            "example.com",
            envelope_from="bounce.example.com",
            envelope_to="receiver.example",
            auth_results=(
                _dkim("example.com", "pass", "mm1"),
                _spf("bounce.example.com", "pass", "mfrom"),
            ),
        ),
        ReportRow(
            "203.0.113.5",
            2,
            "reject",
            "fail",
            "fail",
            "example.com",
            auth_results=(_spf("example.com", "fail", "helo"),),
        ),
    ),
    extra_contact="https://receiver.example/dmarc",
    errors=("DNS timeout looking up the policy of sub.example.com",),
    filename="report.xml",
)

SHAPES = {
    "google-style.xml": GOOGLE,
    "microsoft-style.xml": MICROSOFT,
    "yahoo-style.xml": YAHOO,
    "dmarcbis.xml": DMARCBIS,
}


@pytest.mark.parametrize("name", SHAPES)
def test_each_reporter_shape_reads_to_the_exact_report(name: str) -> None:
    assert _report(xml_file(fixture(name))) == SHAPES[name]


@pytest.mark.parametrize("name", SHAPES)
def test_gzip_and_zip_hold_the_same_report_as_plain_xml(name: str) -> None:
    content = fixture(name)

    gzipped = _report(gzip_file(content, "r.xml.gz"))
    zipped = _report(zip_file(content, "r.zip"))

    expected = SHAPES[name]
    assert gzipped.rows == zipped.rows == expected.rows
    assert gzipped.report_id == zipped.report_id == expected.report_id
    assert (gzipped.filename, zipped.filename) == ("r.xml.gz", "r.zip")


def test_dmarc_passes_when_either_aligned_result_passes() -> None:
    rows = _report(xml_file(fixture("google-style.xml"))).rows

    assert [row.dmarc_pass for row in rows] == [True, True, False]


@pytest.mark.parametrize(
    ("content_type", "filename", "wrap"),
    [
        ("application/gzip", None, gzip_file),
        ("application/x-gzip", "r.xml.gz", gzip_file),
        ("application/zip", None, zip_file),
        ("application/x-zip-compressed", "r.zip", zip_file),
        ("text/xml; charset=utf-8", None, xml_file),
        ("application/xml", "r.xml", xml_file),
        ("application/octet-stream", "google.com!example.com!1!2.xml.gz", gzip_file),
        ("application/octet-stream", "R.GZ", gzip_file),
        ("application/octet-stream", "r.zip", zip_file),
        ("application/octet-stream", "r.xml", xml_file),
    ],
)
def test_report_candidates_by_type_or_by_name(
    content_type: str, filename: str | None, wrap: Callable[[bytes], ReportFile]
) -> None:
    content = wrap(fixture("yahoo-style.xml")).content

    report = _read_one(ReportFile(filename, content_type, content))

    assert isinstance(report, AggregateReport)
    assert report.report_id == YAHOO.report_id


@pytest.mark.parametrize(
    ("content_type", "filename"),
    [
        ("text/plain", None),
        ("text/html", "report.xml"),
        ("image/png", "logo.png"),
        ("application/octet-stream", "report.pdf"),
        ("application/octet-stream", None),
    ],
)
def test_files_that_are_no_candidate_are_skipped(content_type: str, filename: str | None) -> None:
    file = ReportFile(filename, content_type, fixture("yahoo-style.xml"))

    assert read_reports([file]) == []


def test_each_candidate_answers_one_report_in_order() -> None:
    files = [
        ReportFile(None, "text/plain", b"This is a DMARC aggregate report."),
        gzip_file(fixture("google-style.xml")),
        xml_file(b"not xml at all"),
        zip_file(fixture("dmarcbis.xml")),
    ]

    reports = read_reports(files)

    assert [type(report).__name__ for report in reports] == [
        "AggregateReport",
        "FailedReport",
        "AggregateReport",
    ]


class TimeUp(Exception):
    pass


def test_the_caller_is_asked_before_each_candidate_and_may_stop_the_reading() -> None:
    files = [
        ReportFile(None, "text/plain", b"This is a DMARC aggregate report."),
        gzip_file(fixture("google-style.xml")),
        zip_file(fixture("dmarcbis.xml")),
    ]
    asked: list[int] = []

    def before_each() -> None:
        asked.append(len(asked))
        if len(asked) == 2:
            raise TimeUp

    with pytest.raises(TimeUp):
        read_reports(files, before_each=before_each)
    assert asked == [0, 1]


def test_a_mislabelled_archive_is_read_by_its_first_bytes() -> None:
    zipped = zip_file(fixture("google-style.xml")).content

    report = _report(ReportFile("report.xml.gz", "application/gzip", zipped))

    assert report.report_id == GOOGLE.report_id


def test_a_gzip_of_several_members_is_read_whole() -> None:
    content = fixture("yahoo-style.xml")
    half = len(content) // 2
    first, second = gzip_file(content[:half]).content, gzip_file(content[half:]).content

    report = _report(ReportFile("report.xml", "application/gzip", first + second))

    assert report == YAHOO


def test_zero_padding_after_the_gzip_data_is_ignored() -> None:
    content = gzip_file(fixture("yahoo-style.xml")).content + bytes(512)

    report = _report(ReportFile("report.xml", "application/gzip", content))

    assert report == YAHOO


# --- archives refused ---------------------------------------------------------------


def test_a_truncated_gzip_is_a_bad_archive() -> None:
    content = gzip_file(fixture("google-style.xml")).content

    failed = _failure(ReportFile("r.gz", "application/gzip", content[: len(content) // 2]))

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert "truncated" in failed.detail
    assert failed.filename == "r.gz"


def test_a_gzip_of_more_members_than_the_cap_is_a_bad_archive() -> None:
    content = fixture("yahoo-style.xml")
    pieces = [content[at : at + 40] for at in range(0, len(content), 40)]
    assert len(pieces) > 16
    members = b"".join(gzip_file(piece).content for piece in pieces)

    failed = _failure(ReportFile("r.gz", "application/gzip", members))

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert "more than 16 gzip members" in failed.detail


def test_a_corrupt_gzip_is_a_bad_archive() -> None:
    content = bytearray(gzip_file(fixture("google-style.xml")).content)
    content[20:40] = b"\xff" * 20

    failed = _failure(ReportFile("r.gz", "application/gzip", bytes(content)))

    assert failed.reason is FailureReason.BAD_ARCHIVE


def test_bytes_after_the_gzip_data_are_a_bad_archive() -> None:
    content = gzip_file(fixture("yahoo-style.xml")).content + b"trailing garbage"

    failed = _failure(ReportFile("r.gz", "application/gzip", content))

    assert failed.reason is FailureReason.BAD_ARCHIVE


def test_a_file_sent_as_an_archive_that_is_none_is_a_bad_archive() -> None:
    failed = _failure(ReportFile("r.zip", "application/zip", fixture("yahoo-style.xml")))

    assert failed.reason is FailureReason.BAD_ARCHIVE


def test_a_zip_with_two_members_is_refused_not_picked_from() -> None:
    two = zip_bytes({"a.xml": fixture("google-style.xml"), "b.xml": fixture("yahoo-style.xml")})

    failed = _failure(ReportFile("r.zip", "application/zip", two))

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert "2 files" in failed.detail


def test_a_zip_with_no_xml_is_a_bad_archive() -> None:
    failed = _failure(ReportFile("r.zip", "application/zip", zip_bytes({"readme.txt": b"hi"})))

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert "no .xml" in failed.detail


def test_an_empty_zip_is_a_bad_archive() -> None:
    failed = _failure(ReportFile("r.zip", "application/zip", zip_bytes({})))

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert "0 files" in failed.detail


def test_a_zip_listing_many_entries_is_refused_before_its_directory_is_read() -> None:
    many = zip_bytes({f"d{n}/": b"" for n in range(20)} | {"r.xml": fixture("yahoo-style.xml")})

    failed = _failure(ReportFile("r.zip", "application/zip", many))

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert "21 entries" in failed.detail


def test_a_zip_with_a_directory_over_the_cap_is_refused_before_it_is_read() -> None:
    file = zip_file(fixture("yahoo-style.xml"))

    failed = _failure(file, Limits(max_zip_directory_bytes=40))

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert "directory is over 40 bytes" in failed.detail


def test_a_zip64_archive_is_refused() -> None:
    content = zip_file(fixture("yahoo-style.xml")).content
    end = content.rindex(b"PK\x05\x06")
    locator = b"PK\x06\x07" + bytes(16)

    failed = _failure(
        ReportFile("r.zip", "application/zip", content[:end] + locator + content[end:])
    )

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert "zip64" in failed.detail


def test_folders_in_a_zip_are_not_counted_as_files() -> None:
    content = zip_bytes({"reports/": b"", "reports/r.xml": fixture("yahoo-style.xml")})

    assert _report(ReportFile("r.zip", "application/zip", content)).report_id == YAHOO.report_id


@pytest.mark.parametrize("inner", ["report.xml.gz", "report.zip"])
def test_an_archive_inside_a_zip_is_refused(inner: str) -> None:
    nested = gzip_file(fixture("yahoo-style.xml")).content

    failed = _failure(ReportFile("r.zip", "application/zip", zip_bytes({inner: nested})))

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert "inside" in failed.detail


def test_an_archive_inside_a_gzip_is_refused() -> None:
    nested = zip_file(fixture("yahoo-style.xml")).content

    failed = _failure(gzip_file(nested))

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert "inside" in failed.detail


def test_an_xml_member_that_is_an_archive_is_refused() -> None:
    nested = gzip_file(fixture("yahoo-style.xml")).content

    failed = _failure(ReportFile("r.zip", "application/zip", zip_bytes({"r.xml": nested})))

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert "inside" in failed.detail


def test_a_bzip2_member_is_refused_unread() -> None:
    content = zip_bytes({"r.xml": fixture("yahoo-style.xml")}, method=12)  # ZIP_BZIP2

    failed = _failure(ReportFile("r.zip", "application/zip", content))

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert "compression method 12" in failed.detail


def test_a_compressed_file_over_the_cap_is_refused_unread() -> None:
    file = gzip_file(fixture("google-style.xml"))

    failed = _failure(file, Limits(max_compressed_bytes=len(file.content) - 1))

    assert failed.reason is FailureReason.TOO_LARGE


def test_plain_xml_over_the_cap_is_refused_unread() -> None:
    content = fixture("google-style.xml")

    failed = _failure(xml_file(content), Limits(max_xml_bytes=len(content) - 1))

    assert failed.reason is FailureReason.TOO_LARGE


# --- XML refused ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"not xml at all",
        b"",
        b"<feedback><report_metadata></feedback>",
        b"\x00\x01\x02\x03",
    ],
)
def test_what_is_not_well_formed_is_not_xml(content: bytes) -> None:
    failed = _failure(xml_file(content))

    assert failed.reason is FailureReason.NOT_XML


def _declared(encoding: str) -> bytes:
    return _edit(
        "yahoo-style.xml",
        b'<?xml version="1.0"?>',
        f'<?xml version="1.0" encoding="{encoding}"?>'.encode(),
    )


@pytest.mark.parametrize("encoding", ["shift_jis", "utf-32", "x-nonsense", "zlib", "idna"])
def test_an_encoding_the_parser_cannot_read_is_not_xml(encoding: str) -> None:
    failed = _failure(xml_file(_declared(encoding)))

    assert failed.reason is FailureReason.NOT_XML


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1252", "us-ascii"])
def test_single_byte_encodings_are_read(encoding: str) -> None:
    assert _report(xml_file(_declared(encoding))) == YAHOO


def test_utf16_with_its_byte_order_mark_is_read() -> None:
    content = fixture("yahoo-style.xml").decode().encode("utf-16")

    assert _report(xml_file(content)) == YAHOO


def _edit(name: str, old: bytes, new: bytes) -> bytes:
    content = fixture(name)
    assert old in content
    return content.replace(old, new, 1)


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (
            _edit("google-style.xml", b"<report_id>12093853602118425177</report_id>", b""),
            "report_metadata/report_id",
        ),
        (_edit("google-style.xml", b"12093853602118425177", b"   "), "report_metadata/report_id"),
        (
            _edit("google-style.xml", b"<org_name>google.com</org_name>", b""),
            "report_metadata/org_name",
        ),
        (_edit("yahoo-style.xml", b"<begin> 1765152000 </begin>", b""), "date_range/begin"),
        (_edit("yahoo-style.xml", b"1765238399", b"tomorrow"), "date_range/end"),
        (_edit("yahoo-style.xml", b"1765238399", b"1765000000"), "begins after it ends"),
        (_edit("yahoo-style.xml", b"1765238399", b"99999999999999999"), "date_range/end"),
        (_edit("google-style.xml", b"192.0.2.10", b"192.0.2.300"), "record 1/row/source_ip"),
        (
            _edit("google-style.xml", b"<count>3</count>", b"<count>three</count>"),
            "record 2/row/count",
        ),
        (
            _edit("google-style.xml", b"<count>3</count>", b"<count>-3</count>"),
            "record 2/row/count",
        ),
        (
            _edit("google-style.xml", b"<count>3</count>", b"<count>1_000</count>"),
            "record 2/row/count",
        ),
        (
            _edit("yahoo-style.xml", b"<disposition>reject</disposition>", b""),
            "policy_evaluated/disposition",
        ),
        (
            _edit("yahoo-style.xml", b"<header_from>example.com</header_from>", b""),
            "identifiers/header_from",
        ),
        (_edit("yahoo-style.xml", b"<domain>example.com</domain>", b""), "policy_published/domain"),
        (_edit("google-style.xml", b"<pct>100</pct>", b"<pct>150</pct>"), "pct"),
        (_edit("yahoo-style.xml", b"<result>none</result>", b""), "dkim/result"),
        (b"<report><id>1</id></report>", "<report>"),
        (
            b"<feedback><policy_published><domain>a.example</domain></policy_published></feedback>",
            "no report_metadata",
        ),
        (
            _edit(
                "yahoo-style.xml", b"</report_metadata>", b"</report_metadata><report_metadata/>"
            ),
            "more than one report_metadata",
        ),
    ],
)
def test_a_required_element_missing_or_invalid_is_named(content: bytes, named: str) -> None:
    failed = _failure(xml_file(content))

    assert failed.reason is FailureReason.NOT_A_REPORT
    assert named in failed.detail


def test_a_value_longer_than_the_cap_is_refused() -> None:
    content = _edit(
        "yahoo-style.xml",
        b"<org_name>Yahoo</org_name>",
        b"<org_name>" + b"Y" * 2000 + b"</org_name>",
    )

    failed = _failure(xml_file(content))

    assert failed.reason is FailureReason.NOT_A_REPORT
    assert "org_name" in failed.detail


def test_a_failed_reports_detail_is_kept_short() -> None:
    content = b'<!DOCTYPE feedback SYSTEM "http://127.0.0.1:9/' + b"x" * 5000 + b'"><feedback/>'

    failed = _failure(xml_file(content))

    assert failed.reason is FailureReason.FORBIDDEN_XML
    assert len(failed.detail) == 300
    assert failed.detail.endswith("…")


def test_a_section_of_too_many_elements_is_refused() -> None:
    junk = b"<x/>" * 600
    content = _edit("yahoo-style.xml", b"<row>", b"<row>" + junk)

    failed = _failure(xml_file(content))

    assert failed.reason is FailureReason.NOT_A_REPORT
    assert "more than 500 elements" in failed.detail


def test_a_report_of_more_elements_than_the_cap_is_too_large() -> None:
    failed = _failure(xml_file(fixture("google-style.xml")), Limits(max_elements=50))

    assert failed.reason is FailureReason.TOO_LARGE
    assert "more than 50 elements" in failed.detail


def test_a_run_of_text_longer_than_the_cap_is_refused() -> None:
    content = _edit("yahoo-style.xml", b"<row>", b"<row>" + b" " * 70_000)

    failed = _failure(xml_file(content))

    assert failed.reason is FailureReason.NOT_A_REPORT
    assert "a text of more than 65536 characters" in failed.detail


def test_elements_nested_too_deep_are_refused() -> None:
    deep = b"<x>" * 20 + b"</x>" * 20
    content = _edit("yahoo-style.xml", b"<row>", b"<row>" + deep)

    failed = _failure(xml_file(content))

    assert failed.reason is FailureReason.NOT_A_REPORT
    assert "deeper" in failed.detail


def test_a_report_with_no_record_is_read_with_no_rows() -> None:
    content = fixture("yahoo-style.xml")
    start, end = content.index(b"<record>"), content.index(b"</record>") + len(b"</record>")

    report = _report(xml_file(content[:start] + content[end:]))

    assert report.rows == ()


def test_empty_optional_values_are_none() -> None:
    content = _edit(
        "yahoo-style.xml", b"<header_from>", b"<envelope_from></envelope_from><header_from>"
    )

    (row,) = _report(xml_file(content)).rows

    assert row.envelope_from is None


def test_records_over_the_cap_are_refused() -> None:
    failed = _failure(xml_file(fixture("google-style.xml")), Limits(max_records=2))

    assert failed.reason is FailureReason.TOO_MANY_RECORDS
    assert "more than 2 records" in failed.detail


def test_records_up_to_the_cap_are_read() -> None:
    report = _read_one(xml_file(fixture("google-style.xml")), Limits(max_records=3))

    assert isinstance(report, AggregateReport)
    assert len(report.rows) == 3
