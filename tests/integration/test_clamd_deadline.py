"""The clamd adapter's waits end at the caller's deadline, not only at its own timeout: a
clamd that accepts and never answers costs the inbound function what is left of its time,
never more."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from mailman.adapters.clamav import ClamdScanner
from mailman.domain.scanning import ScannerUnavailable, ScanPart


@pytest.fixture
def silent_clamd() -> Iterator[str]:
    """A listener on 127.0.0.1 that takes connections (the kernel's backlog) and never
    answers; closed when the test ends."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"


def test_a_silent_clamd_is_given_up_at_the_deadline(silent_clamd: str) -> None:
    scanner = ClamdScanner(silent_clamd, timeout_seconds=5)
    started = time.monotonic()

    with pytest.raises(ScannerUnavailable):
        scanner.scan([ScanPart("message", b"hello")], deadline=started + 0.3)

    assert time.monotonic() - started < 2


def test_past_the_deadline_nothing_is_sent(silent_clamd: str) -> None:
    scanner = ClamdScanner(silent_clamd, timeout_seconds=5)
    started = time.monotonic()

    with pytest.raises(ScannerUnavailable, match="no time left"):
        scanner.scan([ScanPart("message", b"hello")], deadline=started - 1)

    assert time.monotonic() - started < 1
