"""local/clamd.py: the clamd the local platform and the tests run, and how it says it cannot."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from local import clamd as local_clamd
from local.clamd import (
    OWNER,
    ClamdLimits,
    ClamdUnavailable,
    LocalClamd,
    clamd_conf,
    installed_definitions,
    start_scanning,
)
from local.runtime import start_ticks

from ..e2e.conftest import listening_addresses

LIMITS = ClamdLimits(stream_max_bytes=1024 * 1024)


def test_clamd_answers_on_loopback_only_and_is_gone_after_the_block() -> None:
    with LocalClamd(LIMITS) as clamd:
        assert clamd.ping()
        assert listening_addresses("tcp", clamd.port) == {"127.0.0.1"}
        port = clamd.port

    assert not clamd.ping()
    assert listening_addresses("tcp", port) == set()


def _clamd_folder(parent: Path, name: str, owner: str | None) -> Path:
    folder = parent / f"mailman-clamd-{name}"
    (folder / "db").mkdir(parents=True)
    if owner is not None:
        (folder / OWNER).write_text(owner)
    return folder


def test_a_start_removes_the_folders_of_clamds_whose_owner_is_gone_and_only_those(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    ours = os.getpid()
    dead = _clamd_folder(tmp_path, "dead", f"{finished.pid} ")
    reused = _clamd_folder(tmp_path, "reused", f"{ours} {(start_ticks(ours) or 0) + 1}")
    live = _clamd_folder(tmp_path, "live", f"{ours} {start_ticks(ours)}")
    unnamed = _clamd_folder(tmp_path, "unnamed", None)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    with LocalClamd(LIMITS) as clamd:
        answered = clamd.ping()
        (own,) = set(tmp_path.iterdir()) - {live, unnamed}
        owner = (own / OWNER).read_text()

    assert answered
    assert not dead.exists()
    assert not reused.exists()
    assert live.exists()
    assert unnamed.exists()
    assert owner == f"{ours} {start_ticks(ours)}"
    assert not own.exists()


def test_the_configuration_sets_the_limits_and_alerts_on_them(tmp_path: Path) -> None:
    limits = ClamdLimits(stream_max_bytes=5000, max_file_bytes=3000, max_scan_bytes=4000)

    conf = clamd_conf(tmp_path, 3310, limits).splitlines()

    assert "TCPAddr 127.0.0.1" in conf
    assert "StreamMaxLength 5000" in conf
    assert "MaxFileSize 3000" in conf
    assert "MaxScanSize 4000" in conf
    assert "AlertExceedsMax yes" in conf
    assert "Foreground yes" in conf
    assert not [line for line in conf if line.startswith("User")]


def test_clamd_not_installed_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_clamd, "find_clamd", lambda: None)

    with pytest.raises(ClamdUnavailable, match="not installed"):
        LocalClamd(LIMITS).start()


def test_a_clamd_that_cannot_start_says_why_and_leaves_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ndb"
    broken.write_text("not a signature\n")
    clamd = LocalClamd(LIMITS, signatures=[broken])

    with pytest.raises(ClamdUnavailable, match="exited"):
        clamd.start()

    assert not clamd.ping()


def test_installed_definitions_are_the_database_files_of_the_folder(tmp_path: Path) -> None:
    for name in ("main.cvd", "daily.cld", "bytecode.cvd", "freshclam.dat", "notes.txt"):
        (tmp_path / name).write_bytes(b"")

    found = [p.name for p in installed_definitions(tmp_path)]

    assert found == ["bytecode.cvd", "daily.cld", "main.cvd"]
    assert installed_definitions(tmp_path / "missing") == []


def test_make_dev_scans_with_a_clamd_of_its_own_with_the_project_signatures() -> None:
    scanning = start_scanning({"MAILMAN_CLAMAV_DEFINITIONS": ""}, 1024 * 1024, 512 * 1024)
    try:
        assert scanning.clamd is not None
        assert scanning.address == scanning.clamd.address
        assert scanning.clamd.ping()
        assert "project's test signatures only" in scanning.note
    finally:
        scanning.stop()

    assert not scanning.clamd.ping()


def test_make_dev_without_clamd_says_scanning_is_off_and_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(local_clamd, "find_clamd", lambda: None)

    scanning = start_scanning({}, 1024 * 1024, 512 * 1024)

    assert scanning.address is None
    assert "OFF" in scanning.note
    assert "not installed" in scanning.note


@pytest.mark.parametrize(
    ("env", "address"),
    [
        ({"MAILMAN_CLAMD": "off"}, None),
        ({"CLAMD_ADDRESS": "tcp://127.0.0.1:3310"}, "tcp://127.0.0.1:3310"),
    ],
    ids=["switched-off", "the-developer's-own"],
)
def test_make_dev_starts_no_clamd_when_told(env: dict[str, str], address: str | None) -> None:
    scanning = start_scanning(env, 1024 * 1024, 512 * 1024)

    assert scanning.clamd is None
    assert scanning.address == address
