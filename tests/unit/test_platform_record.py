"""Where the local platform is: its data folder, and the record a running one keeps there."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from local.dns_zone import LocalZone
from local.runtime import (
    CHECKOUT,
    DataFolderInUse,
    PlatformRecord,
    PlatformUnavailable,
    hold_data_folder,
    local_dir,
    remove_record,
    running_platform,
    start_ticks,
)
from mailman.domain.dns_records import DnsRecord, RecordPurpose


def _record(pid: int, data: Path) -> PlatformRecord:
    return PlatformRecord(
        pid=pid,
        pid_started=start_ticks(pid),
        started_at="2026-11-21T12:00:00+00:00",
        local_dir=str(data),
        api_url="http://127.0.0.1:18080",
        aws_endpoint="http://127.0.0.1:14566",
        smtp_address="127.0.0.1:12525",
        dns_address="127.0.0.1:18053",
        region="eu-west-1",
        database_url="postgresql://postgres@localhost:15432/mailman",
        outbound_queue_url="http://127.0.0.1:14566/000000000000/mailman-outbound",
        webhook_key_file=str(data / "webhook-secrets.key"),
    )


def _exited_pid() -> int:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


def test_the_data_folder_is_the_checkouts_wherever_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert local_dir({}) == CHECKOUT / ".local"
    assert (CHECKOUT / "pyproject.toml").is_file()
    assert local_dir({"MAILMAN_LOCAL_DIR": "elsewhere"}) == tmp_path / "elsewhere"


def test_a_record_is_read_back_as_written_and_only_its_owner_may_read_it(tmp_path: Path) -> None:
    written = _record(os.getpid(), tmp_path)

    written.write(tmp_path)

    assert PlatformRecord.read(tmp_path) == written
    assert stat.S_IMODE((tmp_path / "platform.json").stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["platform.json"]


def test_the_platform_running_for_a_folder_is_the_one_its_record_names(tmp_path: Path) -> None:
    _record(os.getpid(), tmp_path).write(tmp_path)

    found = running_platform(tmp_path)

    assert found.aws_endpoint == "http://127.0.0.1:14566"
    assert found.alive()


def test_a_record_whose_process_is_gone_or_whose_pid_was_reused_is_stale(tmp_path: Path) -> None:
    gone = _record(_exited_pid(), tmp_path)
    reused = replace(
        _record(os.getpid(), tmp_path), pid_started=(start_ticks(os.getpid()) or 0) + 1
    )
    gone.write(tmp_path)

    with pytest.raises(PlatformUnavailable) as raised:
        running_platform(tmp_path)

    assert str(raised.value) == (
        f"no Mailman platform is running for {tmp_path} (pid {gone.pid}, which wrote "
        "platform.json, is gone); start it with `make dev`"
    )
    assert not reused.alive()


def test_no_record_or_no_folder_is_said_plainly_and_nothing_is_made(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    (tmp_path / "platform.json").write_text("{not json")

    with pytest.raises(PlatformUnavailable) as unreadable:
        running_platform(tmp_path)
    with pytest.raises(PlatformUnavailable) as absent:
        running_platform(missing)

    assert str(unreadable.value) == (
        f"no Mailman platform is running for {tmp_path}; start it with `make dev`"
    )
    assert str(absent.value).startswith(f"the data folder {missing} does not exist")
    assert not missing.exists()


def test_a_platform_removes_its_own_record_and_never_anothers(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    _record(os.getpid(), ours).write(ours)
    _record(os.getppid(), theirs).write(theirs)

    remove_record(ours)
    remove_record(theirs)

    assert not (ours / "platform.json").exists()
    assert (theirs / "platform.json").exists()


_HOLD = (
    "import sys, time; from pathlib import Path; from local.runtime import hold_data_folder; "
    "hold_data_folder(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)"
)


def test_a_data_folder_is_held_by_one_process_until_it_exits_even_killed(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(tmp_path)],
        cwd=CHECKOUT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    held = holder.stdout.readline()
    with pytest.raises(DataFolderInUse) as in_use:
        hold_data_folder(tmp_path)
    holder.kill()
    holder.wait()
    holder.stdout.close()

    descriptor = hold_data_folder(tmp_path)
    written = (tmp_path / "platform.lock").read_text()
    os.close(descriptor)

    assert held == "held\n"
    assert in_use.value.holder == holder.pid
    assert written == f"{os.getpid()}\n"


def test_unpublishing_what_was_never_published_removes_nothing_and_makes_no_file(
    tmp_path: Path,
) -> None:
    zone = LocalZone(tmp_path / "dns" / "zone.json")
    never = zone.unpublish("acme.example")
    made = (tmp_path / "dns").exists()
    zone.publish(
        "acme.example",
        [DnsRecord(RecordPurpose.DMARC, "TXT", "_dmarc.acme.example", "v=DMARC1; p=none")],
    )

    removed = zone.unpublish("acme.example")

    assert (never, made) == (0, False)
    assert removed == 1
    assert zone.records() == []
