"""Which attached files are report candidates, and their XML unpacked in bounded chunks.

Nothing here decompresses a whole file at once. gzip goes through `zlib.decompressobj`
with `max_length`, zip through `zipfile` reading its one member a chunk at a time; both
count what they produce against the caps as they go, so a bomb is refused once the cap is
passed, never after. A zip entry's declared sizes refuse early, but are not trusted alone:
the running count stops a file that lies about them. A gzip's ISIZE trailer is not used
at all (a damaged file fills those last four bytes with anything).

An archive is unpacked twice: a first pass only counts (holding one chunk at a time) and
refuses what is too large, damaged or nested, so that a bomb is `too_large` whatever bytes
it is made of; the second pass feeds the XML reader, so the unpacked report is never held
whole either.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from enum import StrEnum

from mailman.dmarc.model import Limits, Refused
from mailman.domain.dmarc import FailureReason, ReportFile

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_END_OF_DIRECTORY = b"PK\x05\x06"
_END_OF_DIRECTORY_SIZE = 22
_MAX_ZIP_COMMENT = 0xFFFF
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
"""bzip2 and LZMA members are refused: `zipfile` inflates them without an output bound."""


class Kind(StrEnum):
    GZIP = "gzip"
    ZIP = "zip"
    XML = "xml"


CONTENT_TYPES = {
    "application/gzip": Kind.GZIP,
    "application/x-gzip": Kind.GZIP,
    "application/zip": Kind.ZIP,
    "application/x-zip-compressed": Kind.ZIP,
    "text/xml": Kind.XML,
    "application/xml": Kind.XML,
}
"""The content types of report candidates."""
GENERIC_TYPE = "application/octet-stream"
SUFFIXES = ((".xml.gz", Kind.GZIP), (".gz", Kind.GZIP), (".zip", Kind.ZIP), (".xml", Kind.XML))
"""For a file sent as `application/octet-stream`, its name's ending decides."""


def candidate_kind(file: ReportFile) -> Kind | None:
    """What `file` says it is, or None when it is no report candidate (a text body part,
    a logo, a file of a type no reporter sends)."""
    media = file.content_type.split(";", 1)[0].strip().lower()
    kind = CONTENT_TYPES.get(media)
    if kind is None and media == GENERIC_TYPE and file.filename:
        name = file.filename.strip().lower()
        kind = next((kind for suffix, kind in SUFFIXES if name.endswith(suffix)), None)
    return kind


def unpack(content: bytes, labelled: Kind, limits: Limits) -> Iterator[bytes]:
    """The report's XML as chunks. The content's first bytes decide how to read it (senders
    mislabel gzip and zip); a file labelled an archive that is neither is refused.

    Every check runs here, an archive's first pass included: what comes back is the XML,
    within the caps, still to be read.
    """
    if content.startswith(GZIP_MAGIC):
        return _twice(_gunzip(content, limits))
    if content.startswith(ZIP_MAGICS):
        return _twice(_unzip(content, limits))
    if labelled is not Kind.XML:
        raise Refused(FailureReason.BAD_ARCHIVE, f"sent as {labelled} but not a gzip or zip file")
    if len(content) > limits.max_xml_bytes:
        raise Refused(FailureReason.TOO_LARGE, f"more than {limits.max_xml_bytes} bytes of XML")
    return _slices(content, limits.chunk_bytes)


def _slices(content: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(content), size):
        yield content[start : start + size]


def _twice(source: Callable[[], Iterator[bytes]]) -> Iterator[bytes]:
    """Unpack once to measure and check (nothing kept), then answer a second pass."""
    for _chunk in _refuse_nested(source()):
        pass
    return source()


def _refuse_nested(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """An archive inside the archive is refused, not opened."""
    head = b""
    for chunk in chunks:
        if len(head) < 4:
            head += chunk[:4]
            if head.startswith(GZIP_MAGIC) or head[:4] in ZIP_MAGICS:
                raise Refused(FailureReason.BAD_ARCHIVE, "an archive inside the archive")
        yield chunk


class _Meter:
    """Counts unpacked bytes against the size and ratio caps."""

    def __init__(self, limits: Limits, compressed: int) -> None:
        self.limits = limits
        self.compressed = compressed
        self.produced = 0

    def add(self, chunk: bytes) -> bytes:
        self.produced += len(chunk)
        _check_size(self.produced, self.compressed, self.limits)
        return chunk


def _check_size(unpacked: int, compressed: int, limits: Limits) -> None:
    """Refuse `unpacked` bytes from `compressed` ones: over the XML cap, or past the ratio
    floor at a ratio above the cap."""
    if unpacked > limits.max_xml_bytes:
        raise Refused(FailureReason.TOO_LARGE, f"unpacks to more than {limits.max_xml_bytes} bytes")
    ratio_cap = limits.max_expansion_ratio * max(compressed, 1)
    if unpacked > limits.ratio_floor_bytes and unpacked > ratio_cap:
        raise Refused(
            FailureReason.TOO_LARGE, f"expands more than {limits.max_expansion_ratio} times"
        )


def _check_compressed(content: bytes, limits: Limits) -> None:
    if len(content) > limits.max_compressed_bytes:
        raise Refused(
            FailureReason.TOO_LARGE,
            f"more than {limits.max_compressed_bytes} bytes compressed",
        )


def _gunzip(content: bytes, limits: Limits) -> Callable[[], Iterator[bytes]]:
    _check_compressed(content, limits)
    return lambda: _inflate_members(content, _Meter(limits, len(content)))


def _inflate_members(content: bytes, meter: _Meter) -> Iterator[bytes]:
    """Every member of a gzip file (RFC 1952 allows several, concatenated), up to the cap."""
    start = 0
    try:
        for _member in range(meter.limits.max_gzip_members):
            start = yield from _inflate_member(content, start, meter)
            if not content.startswith(GZIP_MAGIC, start):
                break
        else:
            raise Refused(
                FailureReason.BAD_ARCHIVE,
                f"more than {meter.limits.max_gzip_members} gzip members",
            )
    except zlib.error as exc:
        raise Refused(FailureReason.BAD_ARCHIVE, f"not a readable gzip file: {exc}") from exc
    if content[start:].strip(b"\0"):
        raise Refused(FailureReason.BAD_ARCHIVE, "bytes after the gzip data")


def _inflate_member(content: bytes, start: int, meter: _Meter) -> Generator[bytes, None, int]:
    """Yield the bytes of the member at `start`, a bounded chunk at a time; answer where the
    member ends. The input goes in a slice at a time, so no step copies more than a slice."""
    step = meter.limits.chunk_bytes
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    at, pending = start, b""
    while not inflater.eof:
        if not pending and at < len(content):
            pending = content[at : at + step]
            at += len(pending)
        chunk = inflater.decompress(pending, step)
        pending = inflater.unconsumed_tail
        if chunk:
            yield meter.add(chunk)
        elif not pending and at >= len(content):
            raise Refused(FailureReason.BAD_ARCHIVE, "truncated gzip data")
    return at - len(inflater.unused_data)


def _check_directory(content: bytes, limits: Limits) -> None:
    """Refuse a zip on its end-of-central-directory record, before `zipfile` parses the
    directory (which it walks by the directory's size, whatever the entry count says)."""
    window = max(0, len(content) - _END_OF_DIRECTORY_SIZE - _MAX_ZIP_COMMENT)
    at = content.rfind(_END_OF_DIRECTORY, window)
    if at < 0 or len(content) < at + _END_OF_DIRECTORY_SIZE:
        raise Refused(FailureReason.BAD_ARCHIVE, "not a readable zip file: no central directory")
    if at >= _ZIP64_LOCATOR_SIZE and content.startswith(_ZIP64_LOCATOR, at - _ZIP64_LOCATOR_SIZE):
        raise Refused(FailureReason.BAD_ARCHIVE, "a zip64 archive; reports are small zips")
    entries, directory_bytes = struct.unpack_from("<HI", content, at + 10)
    if entries > limits.max_zip_entries:
        raise Refused(
            FailureReason.BAD_ARCHIVE, f"the zip lists {entries} entries; one report expected"
        )
    if directory_bytes > limits.max_zip_directory_bytes:
        raise Refused(
            FailureReason.BAD_ARCHIVE,
            f"the zip's directory is over {limits.max_zip_directory_bytes} bytes",
        )


def _unzip(content: bytes, limits: Limits) -> Callable[[], Iterator[bytes]]:
    _check_compressed(content, limits)
    _check_directory(content, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        member = _the_report(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise Refused(FailureReason.BAD_ARCHIVE, f"not a readable zip file: {exc}") from exc
    _check_member(member, limits)
    return lambda: _read_member(archive, member, _Meter(limits, member.compress_size))


def _the_report(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The one XML file of the zip: a zip of several files is refused, not picked from."""
    files = [info for info in archive.infolist() if not info.is_dir()]
    if len(files) != 1:
        raise Refused(
            FailureReason.BAD_ARCHIVE, f"the zip holds {len(files)} files; one report expected"
        )
    (member,) = files
    name = member.filename.lower()
    if name.endswith((".gz", ".zip")):
        raise Refused(FailureReason.BAD_ARCHIVE, "an archive inside the archive")
    if not name.endswith(".xml"):
        raise Refused(FailureReason.BAD_ARCHIVE, "the zip holds no .xml file")
    return member


def _check_member(member: zipfile.ZipInfo, limits: Limits) -> None:
    if member.flag_bits & 0x1:
        raise Refused(FailureReason.BAD_ARCHIVE, "the zip member is encrypted")
    if member.compress_type not in _READABLE_METHODS:
        raise Refused(
            FailureReason.BAD_ARCHIVE,
            f"the zip member's compression method {member.compress_type} is not read",
        )
    _check_size(member.file_size, member.compress_size, limits)


def _read_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, meter: _Meter
) -> Iterator[bytes]:
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(meter.limits.chunk_bytes):
                yield meter.add(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise Refused(FailureReason.BAD_ARCHIVE, f"not a readable zip file: {exc}") from exc
