"""`ClamdScanner` against a real clamd (local/clamd.py, the project's signatures), and against
servers that are not clamd or not there."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from local.clamd import LocalClamd, free_port
from mailman.adapters.clamav import ClamdScanner
from mailman.domain.scanning import ScannerUnavailable, ScanPart, ScanVerdict
from tests.eicar import SIGNATURE, eicar, zipped

from .conftest import CLAMD_LIMITS

CLEAN = b"From: a@example.com\r\nSubject: hi\r\n\r\nNothing to see here.\r\n"


@pytest.fixture
def scanner(clamd: LocalClamd) -> ClamdScanner:
    return ClamdScanner(
        clamd.address, timeout_seconds=10, max_stream_bytes=CLAMD_LIMITS.stream_max_bytes
    )


def test_clean_content_passes_and_names_the_engine(scanner: ClamdScanner) -> None:
    report = scanner.scan([ScanPart("message", CLEAN)])

    assert report.verdict is ScanVerdict.PASS
    assert report.engine is not None
    assert report.engine.startswith("ClamAV 1.")
    assert report.signature is None
    assert report.quarantine_reason is None


def test_eicar_fails_with_the_signature_name(scanner: ClamdScanner) -> None:
    report = scanner.scan([ScanPart("message", CLEAN), ScanPart("attachment 1 (x.com)", eicar())])

    assert report.verdict is ScanVerdict.FAIL
    assert report.signature is not None
    assert report.signature.startswith(SIGNATURE)
    assert report.quarantine_reason == "virus"


def test_eicar_inside_a_zip_fails_because_clamav_unpacks_it(scanner: ClamdScanner) -> None:
    archive = zipped({"readme.txt": b"hello", "tool.com": eicar()})
    assert eicar() not in archive  # deflated: only unpacking finds it

    report = scanner.scan([ScanPart("attachment 1 (tools.zip)", archive)])

    assert report.verdict is ScanVerdict.FAIL
    assert report.signature is not None
    assert report.signature.startswith(SIGNATURE)


def test_a_part_over_the_stream_limit_is_unscanned_not_sent(clamd: LocalClamd) -> None:
    scanner = ClamdScanner(clamd.address, timeout_seconds=10, max_stream_bytes=1024)
    infected_but_long = eicar() + b" " * 2048

    report = scanner.scan([ScanPart("message", CLEAN), ScanPart("attachment 1", infected_but_long)])

    assert report.verdict is ScanVerdict.UNSCANNED
    assert report.unscanned == ("attachment 1",)
    assert report.quarantine_reason is None


def test_what_clamd_skips_for_its_limits_is_unscanned_not_infected(
    scanner: ClamdScanner,
) -> None:
    over_max_file_size = b"a" * (CLAMD_LIMITS.max_file_bytes or 0) * 2

    report = scanner.scan([ScanPart("attachment 1 (big.bin)", over_max_file_size)])

    assert report.verdict is ScanVerdict.UNSCANNED
    assert report.unscanned == ("attachment 1 (big.bin)",)
    assert report.signature is None


def test_a_zip_member_clamav_would_scan_only_in_part_is_unscanned(clamd: LocalClamd) -> None:
    """ClamAV 1.4 scans a zip member past its MaxFileSize up to that size and says nothing;
    the adapter, told clamd's MaxFileSize, records the part unscanned instead of clean."""
    max_file = CLAMD_LIMITS.max_file_bytes or 0
    archive = zipped({"notes.txt": b"hello", "big.txt": b"a" * (max_file + 1)})
    silent = ClamdScanner(clamd.address, timeout_seconds=10)
    told = ClamdScanner(clamd.address, timeout_seconds=10, max_file_bytes=max_file)
    part = ScanPart("attachment 1 (big.zip)", archive)

    assert silent.scan([part]).verdict is ScanVerdict.PASS
    report = told.scan([part])
    assert report.verdict is ScanVerdict.UNSCANNED
    assert report.unscanned == ("attachment 1 (big.zip)",)


def test_a_zip_of_members_within_the_limit_still_passes_or_fails_on_its_content(
    clamd: LocalClamd,
) -> None:
    max_file = CLAMD_LIMITS.max_file_bytes or 0
    told = ClamdScanner(clamd.address, timeout_seconds=10, max_file_bytes=max_file)

    clean = told.scan([ScanPart("attachment 1", zipped({"a.txt": b"a" * max_file}))])
    infected = told.scan(
        [ScanPart("attachment 1", zipped({"tool.com": eicar(), "big.txt": b"a" * (max_file + 1)}))]
    )

    assert clean.verdict is ScanVerdict.PASS
    assert infected.verdict is ScanVerdict.FAIL


def test_clamd_refusing_a_stream_longer_than_its_own_limit_is_unscanned(
    clamd: LocalClamd,
) -> None:
    """Our limit set above clamd's: clamd answers its refusal and closes mid-stream."""
    scanner = ClamdScanner(clamd.address, timeout_seconds=10, max_stream_bytes=64 * 1024 * 1024)

    report = scanner.scan([ScanPart("message", b"a" * CLAMD_LIMITS.stream_max_bytes * 3)])

    assert report.verdict is ScanVerdict.UNSCANNED
    assert report.unscanned == ("message",)


def test_a_unix_socket_address_works(clamd: LocalClamd) -> None:
    scanner = ClamdScanner(clamd.unix_address, timeout_seconds=10)

    report = scanner.scan([ScanPart("message", eicar())])

    assert report.verdict is ScanVerdict.FAIL


def test_clamd_down_raises_scanner_unavailable() -> None:
    scanner = ClamdScanner(f"tcp://127.0.0.1:{free_port()}", timeout_seconds=2)

    with pytest.raises(ScannerUnavailable):
        scanner.scan([ScanPart("message", CLEAN)])


def test_a_missing_unix_socket_raises_scanner_unavailable(tmp_path: Path) -> None:
    scanner = ClamdScanner(f"unix://{tmp_path}/no-such.sock", timeout_seconds=2)

    with pytest.raises(ScannerUnavailable):
        scanner.scan([ScanPart("message", CLEAN)])


Behaviour = Callable[[socket.socket], None]


@pytest.fixture
def fake_server() -> Iterator[Callable[[Behaviour], str]]:
    """Servers on 127.0.0.1 that accept and then do what a test says; closed at teardown."""
    listeners: list[socket.socket] = []
    held: list[socket.socket] = []

    def start(behaviour: Behaviour) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def serve() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                held.append(conn)
                behaviour(conn)

        threading.Thread(target=serve, daemon=True).start()
        return f"tcp://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    for sock in (*listeners, *held):
        sock.close()


def _silent(conn: socket.socket) -> None:
    """Accepts and never answers."""


def _chatty(conn: socket.socket) -> None:
    """Answers on and on (up to 50 MiB), never with the NUL that ends a clamd answer."""
    conn.settimeout(5)
    try:
        for _ in range(800):
            conn.sendall(b"x" * 65536)
    except OSError:
        return


def _not_clamd(conn: socket.socket) -> None:
    conn.sendall(b"UNKNOWN COMMAND\0")


def test_a_server_that_never_answers_raises_within_the_timeout(
    fake_server: Callable[[Behaviour], str],
) -> None:
    scanner = ClamdScanner(fake_server(_silent), timeout_seconds=0.5)
    started = time.monotonic()

    with pytest.raises(ScannerUnavailable):
        scanner.scan([ScanPart("message", CLEAN)])

    assert time.monotonic() - started < 3


def test_an_answer_without_end_is_refused_before_the_timeout(
    fake_server: Callable[[Behaviour], str],
) -> None:
    scanner = ClamdScanner(fake_server(_chatty), timeout_seconds=3)
    started = time.monotonic()

    with pytest.raises(ScannerUnavailable, match="did not end"):
        scanner.scan([ScanPart("message", CLEAN)])

    assert time.monotonic() - started < 2


def test_an_error_answer_raises(fake_server: Callable[[Behaviour], str]) -> None:
    scanner = ClamdScanner(fake_server(_not_clamd), timeout_seconds=2)

    with pytest.raises(ScannerUnavailable, match="UNKNOWN COMMAND"):
        scanner.scan([ScanPart("message", CLEAN)])
