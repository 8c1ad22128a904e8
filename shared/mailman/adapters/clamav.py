"""The `Scanner` port on ClamAV's daemon, clamd, spoken to directly.

clamd's protocol is small: a command (`zINSTREAM`, `zVERSION`, NUL-terminated), then for
INSTREAM the content in length-prefixed chunks ending with a zero length, and one reply
(`stream: OK`, `stream: <signature> FOUND`, `<reason> ERROR`). Speaking it here, over a
TCP or Unix socket with the stdlib, keeps every wait bounded by our own timeout, answers
clamd's size refusal as a part left unscanned rather than an error, and adds nothing to the
Lambda layer; the client libraries on PyPI wrap the same few lines with their own ideas of
timeouts and errors.

Each part is one connection (a few milliseconds on a near clamd: one session per message
would save nothing worth its state). A part longer than `max_stream_bytes` (clamd's
`StreamMaxLength`, which both the local and the deployed clamd are configured with) is not
sent: it is unscanned. Should clamd's limit be the smaller one after all, clamd answers its
size refusal and closes the connection while the part is still being sent: the refusal is read
after the broken pipe, and the part is unscanned, not an outage.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

from mailman.domain.scanning import (
    LIMITS_SIGNATURE_PREFIX,
    OFF,
    PartOutcome,
    PartResult,
    ScannerUnavailable,
    ScanPart,
    ScanReport,
    judge,
    zip_member_over,
)

CHUNK_BYTES = 1 << 16
MAX_REPLY_BYTES = 4096
"""clamd's answers are one line; a peer that sends more without ending it is not clamd."""
DEFAULT_MAX_STREAM_BYTES = 64 * 1024 * 1024
_SIZE_LIMIT = "INSTREAM size limit exceeded"


class ClamdScanner:
    """Scans with the clamd at `address`: `tcp://host:port` or `unix:///path/to/socket`."""

    def __init__(
        self,
        address: str,
        *,
        timeout_seconds: float = 30.0,
        max_stream_bytes: int = DEFAULT_MAX_STREAM_BYTES,
        max_file_bytes: int | None = None,
    ) -> None:
        target = urlsplit(address)
        if target.scheme == "tcp" and target.hostname and target.port:
            self._family = socket.AF_INET
            self._target: str | tuple[str, int] = (target.hostname, target.port)
        elif target.scheme == "unix" and target.path:
            self._family = socket.AF_UNIX
            self._target = target.path
        else:
            raise ValueError(f"not a clamd address (tcp://host:port or unix:///path): {address!r}")
        self._timeout = timeout_seconds
        self._max_stream = max_stream_bytes
        self._max_file = max_file_bytes

    def scan(self, parts: Sequence[ScanPart], deadline: float | None = None) -> ScanReport:
        results = [self._scan_part(part, deadline) for part in parts]
        return judge(results, self.version(deadline))

    def version(self, deadline: float | None = None) -> str:
        """clamd's version and its definitions' (`ClamAV 1.4.3/27480/<date>`)."""
        return self._ask(b"zVERSION\0", b"", deadline)

    def _scan_part(self, part: ScanPart, deadline: float | None) -> PartResult:
        if len(part.content) > self._max_stream:
            return PartResult(part.name, PartOutcome.UNSCANNED)
        reply = self._ask(b"zINSTREAM\0", part.content, deadline)
        result = _result(part.name, reply)
        if (
            result.outcome is PartOutcome.CLEAN
            and self._max_file is not None
            and zip_member_over(part.content, self._max_file)
        ):
            return PartResult(part.name, PartOutcome.UNSCANNED)
        return result

    def _wait(self, deadline: float | None) -> float:
        """The longest one wait may take: the timeout, or less when the deadline is nearer."""
        if deadline is None:
            return self._timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise ScannerUnavailable("no time left to scan before the deadline")
        return min(self._timeout, left)

    def _ask(self, command: bytes, content: bytes, deadline: float | None = None) -> str:
        wait = self._wait(deadline)
        try:
            with socket.socket(self._family, socket.SOCK_STREAM) as conn:
                conn.settimeout(wait)
                conn.connect(self._target)
                conn.sendall(command)
                if command == b"zINSTREAM\0":
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        _stream(conn, content)
                return _reply(conn)
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {self._target}: {exc}") from exc


def _stream(conn: socket.socket, content: bytes) -> None:
    view = memoryview(content)
    for start in range(0, len(view), CHUNK_BYTES):
        chunk = view[start : start + CHUNK_BYTES]
        conn.sendall(struct.pack("!I", len(chunk)))
        conn.sendall(chunk)
    conn.sendall(struct.pack("!I", 0))


def _reply(conn: socket.socket) -> str:
    received = bytearray()
    while not received.endswith(b"\0"):
        data = conn.recv(4096)
        if not data:
            break
        received += data
        if len(received) > MAX_REPLY_BYTES:
            raise ScannerUnavailable("clamd's answer did not end")
    return received.rstrip(b"\0").decode("utf-8", "replace").strip()


def _result(part: str, reply: str) -> PartResult:
    answer = reply.removeprefix("stream:").strip()
    if answer == "OK":
        return PartResult(part, PartOutcome.CLEAN)
    if answer.endswith(" FOUND"):
        signature = answer.removesuffix(" FOUND").strip()
        if signature.startswith(LIMITS_SIGNATURE_PREFIX):
            return PartResult(part, PartOutcome.UNSCANNED, signature)
        return PartResult(part, PartOutcome.INFECTED, signature)
    if answer.startswith(_SIZE_LIMIT):
        return PartResult(part, PartOutcome.UNSCANNED)
    raise ScannerUnavailable(f"clamd answered {reply!r}")


class ScanningOff:
    """No scanner configured: every message says scanning was off (never `pass`)."""

    def scan(self, parts: Sequence[ScanPart], deadline: float | None = None) -> ScanReport:
        return OFF
