"""Report files built at test time: the fixtures gzipped or zipped, malformed archives,
and decompression bombs made small (the bombs are assembled from one repeated deflate
block, so a 1 GiB payload costs the test a megabyte and a few milliseconds)."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from mailman.domain.dmarc import ReportFile

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dmarc"
MiB = 1024 * 1024
GiB = 1024 * MiB


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def xml_file(content: bytes, filename: str = "report.xml") -> ReportFile:
    return ReportFile(filename, "text/xml", content)


def gzip_file(content: bytes, filename: str = "report.xml.gz") -> ReportFile:
    return ReportFile(filename, "application/gzip", gzip.compress(content, mtime=0))


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def zip_file(
    content: bytes, filename: str = "report.zip", member: str = "report.xml"
) -> ReportFile:
    return ReportFile(filename, "application/zip", zip_bytes({member: content}))


@dataclass(frozen=True)
class Bomb:
    """A raw deflate stream of `size` bytes: `head`, then spaces, then `tail`."""

    deflated: bytes
    size: int
    crc: int


def deflate_bomb(
    head: bytes, size: int, tail: bytes, *, filler: bytes = b" ", with_crc: bool = False
) -> Bomb:
    """`head` + `filler` repeated + `tail`, `size` bytes in all, as raw deflate data.

    After a full flush the compressor forgets its history, so one MiB of filler compresses
    to the same block every time: the stream is that block repeated between a head and a
    tail. The CRC (for a valid file) costs a pass over the payload.
    """
    chunk = filler * MiB
    spaces = size - len(head) - len(tail)
    blocks, rest = divmod(spaces, MiB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "a full flush must make the blocks repeat"
    last = compressor.compress(filler * rest + tail) + compressor.flush()
    crc = 0
    if with_crc:
        crc = zlib.crc32(head)
        for _ in range(blocks):
            crc = zlib.crc32(chunk, crc)
        crc = zlib.crc32(filler * rest + tail, crc)
    return Bomb(first + block * blocks + last, size, crc)


def gzip_of(bomb: Bomb, declared_size: int | None = None) -> bytes:
    """A gzip file around the bomb; `declared_size` lies in the ISIZE trailer."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    size = bomb.size if declared_size is None else declared_size
    return header + bomb.deflated + struct.pack("<II", bomb.crc, size % 2**32)


def zip_of(bomb: Bomb, name: bytes = b"report.xml", declared_size: int | None = None) -> bytes:
    """A one-member zip around the bomb; `declared_size` lies in both headers."""
    size = bomb.size if declared_size is None else declared_size
    compressed = len(bomb.deflated)
    sizes = (bomb.crc, compressed, size)
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, *sizes, len(name), 0)
    central = struct.pack(
        "<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, *sizes, len(name), 0, 0, 0, 0, 0, 0
    )
    directory_at = len(local) + len(name) + compressed
    directory = central + name
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), directory_at, 0)
    return local + name + bomb.deflated + directory + end
