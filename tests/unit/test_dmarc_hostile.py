"""Hostile report files: decompression bombs, XML entity bombs and external entities,
record floods, and arbitrary bytes. Each is refused with its reason, within bounded
memory: the assertions count bytes (tracemalloc's peak, the reader's own count of what
it unpacked), never wall-clock time."""

from __future__ import annotations

import gzip
import re
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailman.dmarc import MAX_RECORDS, MAX_XML_BYTES, Limits, archives, read_reports, reading
from mailman.dmarc.model import CHUNK_BYTES, DEFAULT_LIMITS, MAX_REPORT_FILES
from mailman.domain.dmarc import AggregateReport, FailedReport, FailureReason, ReportFile

from .dmarc_files import (
    GiB,
    MiB,
    deflate_bomb,
    fixture,
    gzip_file,
    gzip_of,
    xml_file,
    zip_file,
    zip_of,
)

MEMORY_BOUND = 4 * MiB
"""What reading a bomb may allocate at its peak: a few chunks and zlib's state, a fifth of
the 20 MiB it would take to hold the capped output, a thousandth of the bomb's payload."""


@pytest.fixture
def unpacked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The reader's running count of unpacked bytes, as it stood after each chunk."""
    counts: list[int] = []
    original = archives._Meter.add

    def add(self: archives._Meter, chunk: bytes) -> bytes:
        counts.append(self.produced + len(chunk))
        return original(self, chunk)

    monkeypatch.setattr(archives._Meter, "add", add)
    return counts


def _read_traced(file: ReportFile, limits: Limits | None = None) -> tuple[FailedReport, int]:
    tracemalloc.start()
    try:
        reports = read_reports([file]) if limits is None else read_reports([file], limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (report,) = reports
    assert isinstance(report, FailedReport), report
    return report, peak


@pytest.mark.parametrize("filler", [b"\0", b" "])
def test_a_gzip_bomb_is_refused_past_the_cap(filler: bytes, unpacked: list[int]) -> None:
    bomb = gzip_of(deflate_bomb(b"<feedback>", GiB, b"</feedback>", filler=filler))
    assert len(bomb) < 2 * MiB

    failed, peak = _read_traced(ReportFile("bomb.xml.gz", "application/gzip", bomb))

    assert failed.reason is FailureReason.TOO_LARGE
    assert max(unpacked) <= MAX_XML_BYTES + CHUNK_BYTES
    assert peak < MEMORY_BOUND


def test_a_gzip_bomb_lying_in_its_trailer_is_refused_all_the_same(unpacked: list[int]) -> None:
    bomb = gzip_of(deflate_bomb(b"<feedback>", GiB, b"</feedback>"), declared_size=1000)

    failed, peak = _read_traced(ReportFile("bomb.gz", "application/gzip", bomb))

    assert failed.reason is FailureReason.TOO_LARGE
    assert max(unpacked) <= MAX_XML_BYTES + CHUNK_BYTES
    assert peak < MEMORY_BOUND


def test_a_gzip_expanding_past_the_ratio_is_refused_under_the_size_cap(
    unpacked: list[int],
) -> None:
    bomb = gzip_of(deflate_bomb(b"<feedback>", 8 * MiB, b"</feedback>"))

    failed, _ = _read_traced(ReportFile("r.gz", "application/gzip", bomb))

    assert failed.reason is FailureReason.TOO_LARGE
    assert "expands more than" in failed.detail
    assert max(unpacked) < 8 * MiB


def test_a_zip_bomb_is_refused_on_its_declared_size_before_any_inflating(
    unpacked: list[int],
) -> None:
    bomb = zip_of(deflate_bomb(b"<feedback>", GiB, b"</feedback>", with_crc=True))
    assert len(bomb) < 2 * MiB

    failed, peak = _read_traced(ReportFile("bomb.zip", "application/zip", bomb))

    assert failed.reason is FailureReason.TOO_LARGE
    assert unpacked == []
    assert peak < MEMORY_BOUND


def test_a_zip_bomb_lying_about_its_size_is_stopped_where_it_lied(unpacked: list[int]) -> None:
    bomb = zip_of(deflate_bomb(b"<feedback>", GiB, b"</feedback>"), declared_size=100_000)

    failed, peak = _read_traced(ReportFile("bomb.zip", "application/zip", bomb))

    assert failed.reason is FailureReason.BAD_ARCHIVE
    assert max(unpacked) <= 100_000
    assert peak < MEMORY_BOUND


def test_a_zip_member_over_the_ratio_is_refused_on_its_declared_sizes() -> None:
    bomb = zip_of(deflate_bomb(b"<feedback>", 8 * MiB, b"</feedback>", with_crc=True))

    failed, _ = _read_traced(ReportFile("r.zip", "application/zip", bomb))

    assert failed.reason is FailureReason.TOO_LARGE
    assert "expands more than" in failed.detail


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE feedback [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<feedback><report_metadata><org_name>&lol9;</org_name></report_metadata></feedback>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE feedback [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<feedback><report_metadata><org_name>&secret;</org_name></report_metadata></feedback>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE feedback SYSTEM "http://127.0.0.1:9/dmarc.dtd">
<feedback/>
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE feedback [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>
<feedback/>
"""


@pytest.mark.parametrize(
    "content",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY],
    ids=["billion-laughs", "external-entity", "external-dtd", "parameter-entity"],
)
@pytest.mark.parametrize("wrap", [xml_file, gzip_file, zip_file], ids=["xml", "gzip", "zip"])
def test_dtds_and_entities_are_refused_never_expanded(
    content: bytes, wrap: Callable[[bytes], ReportFile]
) -> None:
    failed, peak = _read_traced(wrap(content))

    assert failed.reason is FailureReason.FORBIDDEN_XML
    assert peak < MEMORY_BOUND


def test_a_dtd_after_a_real_report_opening_is_still_refused() -> None:
    content = b'<?xml version="1.0"?>\n<!DOCTYPE feedback>\n' + fixture("yahoo-style.xml")[22:]

    failed, _ = _read_traced(xml_file(content))

    assert failed.reason is FailureReason.FORBIDDEN_XML


_RECORD = (
    b"<record><row><source_ip>192.0.2.1</source_ip><count>1</count><policy_evaluated>"
    b"<disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated>"
    b"</row><identifiers><header_from>example.com</header_from></identifiers></record>"
)


def _flood(records: int) -> Iterator[bytes]:
    head, _, tail = fixture("yahoo-style.xml").partition(b"<record>")
    yield head
    yield _RECORD * (records - 1)
    yield b"<record>" + tail


def test_a_report_over_the_default_record_cap_is_refused() -> None:
    (failed,) = read_reports([xml_file(b"".join(_flood(MAX_RECORDS + 1)))])

    assert isinstance(failed, FailedReport)
    assert failed.reason is FailureReason.TOO_MANY_RECORDS
    assert f"more than {MAX_RECORDS} records" in failed.detail


_KINDS = st.sampled_from(
    [("application/gzip", "r.gz"), ("application/zip", "r.zip"), ("text/xml", "r.xml")]
)


@settings(max_examples=200, deadline=None)
@given(kind=_KINDS, content=st.binary(max_size=512))
def test_arbitrary_bytes_answer_a_report_never_an_exception(
    kind: tuple[str, str], content: bytes
) -> None:
    content_type, name = kind

    (report,) = read_reports([ReportFile(name, content_type, content)])

    assert isinstance(report, FailedReport)


_VALID = {
    "gzip": gzip.compress(fixture("microsoft-style.xml"), mtime=0),
    "zip": zip_file(fixture("microsoft-style.xml")).content,
    "xml": fixture("microsoft-style.xml"),
}


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(sorted(_VALID)),
    data=st.data(),
)
def test_damaged_reports_answer_a_report_never_an_exception(kind: str, data: st.DataObject) -> None:
    content = bytearray(_VALID[kind])
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(content) - 1))
        content[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(content)))

    file = ReportFile("r", f"application/{kind}", bytes(content[:cut]))

    (report,) = read_reports([file])

    assert isinstance(report, FailedReport | AggregateReport)


_VALUES = re.findall(rb">([^<>]+)</", fixture("google-style.xml"))


@settings(max_examples=300, deadline=None)
@given(
    value=st.sampled_from(_VALUES),
    replacement=st.text(
        st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40
    ),
)
def test_any_value_in_any_element_answers_a_report_never_an_exception(
    value: bytes, replacement: str
) -> None:
    content = fixture("google-style.xml").replace(
        b">" + value + b"</", b">" + escape(replacement).encode() + b"</", 1
    )

    (report,) = read_reports([xml_file(content)])

    assert isinstance(report, FailedReport | AggregateReport)


def test_a_mail_of_many_report_files_reads_only_the_first_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[str | None] = []
    original = reading.read_report

    def counted(file: ReportFile, kind: archives.Kind, limits: Limits = DEFAULT_LIMITS) -> Any:
        read.append(file.filename)
        return original(file, kind, limits)

    monkeypatch.setattr(reading, "read_report", counted)
    files = [
        ReportFile(f"r{n}.xml", "text/xml", b"<feedback/>") for n in range(MAX_REPORT_FILES + 40)
    ]

    reports = read_reports(files)

    assert read == [f"r{n}.xml" for n in range(MAX_REPORT_FILES)]
    assert len(reports) == MAX_REPORT_FILES + 1
    last = reports[-1]
    assert isinstance(last, FailedReport)
    assert (last.reason, last.filename) == (
        FailureReason.TOO_MANY_FILES,
        f"r{MAX_REPORT_FILES}.xml",
    )
    assert f"{MAX_REPORT_FILES + 40} report files" in last.detail
