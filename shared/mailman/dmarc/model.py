"""The limits a report file is read within, and the refusal that ends reading one.

A report mail comes from anyone who can send mail to `dmarc-reports@<domain>`: every file
is hostile input until read. The caps below bound what reading one file may cost: the
bytes it may unpack to (never held beyond the cap: decompression runs in bounded chunks),
the expansion ratio of an archive, the entries of a zip, and the records and elements the
XML may hold. docs/dmarc.md ("Reading reports") states them for the domain owner.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailman.domain.dmarc import FailureReason

MiB = 1024 * 1024

MAX_COMPRESSED_BYTES = 10 * MiB
"""A gzip or zip file larger than this is refused unread (the largest real reports,
for the biggest senders, are a few MB compressed)."""
MAX_XML_BYTES = 20 * MiB
"""The XML report itself, as sent or once unpacked: decompression stops past this."""
MAX_EXPANSION_RATIO = 200
"""Unpacked bytes per compressed byte: XML reports compress 10 to 50 times; a bomb
(zeros, repeated blocks) 1000 times."""
RATIO_FLOOR_BYTES = 1 * MiB
"""The ratio is judged only past this many unpacked bytes, so that a small, very
repetitive report is not mistaken for a bomb."""
MAX_ZIP_ENTRIES = 8
"""Entries (files and folders) a zip's central directory may list; read from its end
record before the directory itself is parsed."""
MAX_GZIP_MEMBERS = 16
"""Members of one gzip file (RFC 1952 lets several follow each other; reporters send one)."""
MAX_ZIP_DIRECTORY_BYTES = 64 * 1024
"""The zip's central directory, by its end record: one entry takes 46 bytes and its name;
a crafted directory of thousands of entries is refused before `zipfile` builds them."""
MAX_RECORDS = 20_000
"""`record` elements in one report. A record is one source and one set of results for a
day: the largest senders' reports hold a few thousand. Reading costs about 0.1 ms a
record (defusedxml's parser runs in Python), so the cap also bounds the time: seconds."""
MAX_REPORT_FILES = 5
"""Report files read of one mail (reporters send one). Each may take seconds at the other
caps, and a mail may carry a thousand parts: past this, the rest answer one failed report
(`too_many_files`) unread, so one mail cannot outlast the inbound function's timeout and
fail its whole batch again and again."""
MAX_SECTION_ELEMENTS = 500
"""Elements inside one top-level section (`report_metadata`, `policy_published`, one
`record`): a real record has about 25."""
MAX_DEPTH = 12
"""Element nesting (the report's deepest element, a reason's `type`, is at depth 5)."""
MAX_ELEMENTS = 30 * MAX_RECORDS
"""Elements in the whole report (a record has about 25): the parser's time is spent per
element, so this bounds it whatever the elements are."""
MAX_TEXT_RUN = 64 * 1024
"""Characters of one run of text between two tags: whitespace between elements is short."""
MAX_TEXT_CHARS = 1024
"""One value kept from the report (a report id, a domain, an address)."""
MAX_DETAIL_CHARS = 300
"""A failed report's detail: it may quote the file (a value, an entity's system id)."""
CHUNK_BYTES = 64 * 1024
"""What one decompression step may produce."""


@dataclass(frozen=True)
class Limits:
    """The caps one file is read within; tests pass smaller ones."""

    max_compressed_bytes: int = MAX_COMPRESSED_BYTES
    max_xml_bytes: int = MAX_XML_BYTES
    max_expansion_ratio: int = MAX_EXPANSION_RATIO
    ratio_floor_bytes: int = RATIO_FLOOR_BYTES
    max_zip_entries: int = MAX_ZIP_ENTRIES
    max_gzip_members: int = MAX_GZIP_MEMBERS
    max_zip_directory_bytes: int = MAX_ZIP_DIRECTORY_BYTES
    max_records: int = MAX_RECORDS
    max_report_files: int = MAX_REPORT_FILES
    max_section_elements: int = MAX_SECTION_ELEMENTS
    max_depth: int = MAX_DEPTH
    max_elements: int = MAX_ELEMENTS
    max_text_run: int = MAX_TEXT_RUN
    max_text_chars: int = MAX_TEXT_CHARS
    chunk_bytes: int = CHUNK_BYTES


DEFAULT_LIMITS = Limits()


class Refused(Exception):
    """Reading one file stops here: it answers a `FailedReport` with this reason."""

    def __init__(self, reason: FailureReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
