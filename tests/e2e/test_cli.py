"""The `mailman` CLI, run as a developer runs it, against `make dev` on moved ports: it finds
the platform by the record in its data folder, says plainly when there is none, and sends,
lists and follows mail."""

from __future__ import annotations

import fcntl
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from uuid import UUID

import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.mail import messages_get
from mailman_client.api.sending import messages_send
from mailman_client.models import MessageOut, SendIn

from local.runtime import PlatformRecord
from tests.e2e.conftest import (
    REPO_ROOT,
    LocalPlatform,
    Ports,
    ok,
    poll,
    quickstart_inbox,
    running_platform,
)
from tests.mail import make_mail

pytestmark = pytest.mark.e2e

MAILMAN = str(Path(sys.executable).with_name("mailman"))
RUN_TIMEOUT_SECONDS = 120


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(tmp_path_factory, "cli", {"MAILMAN_QUICKSTART": "1"}) as running:
        yield running


@pytest.fixture(scope="module")
def alice(api: AuthenticatedClient) -> str:
    return str(quickstart_inbox(api, "alice"))


@pytest.fixture(scope="module")
def bob(api: AuthenticatedClient) -> str:
    return str(quickstart_inbox(api, "bob"))


def _env(local_dir: Path) -> dict[str, str]:
    """The developer's environment: nothing says where the platform is but its data folder."""
    env = {**os.environ, "MAILMAN_LOCAL_DIR": str(local_dir)}
    for name in ("DATABASE_URL", "AWS_ENDPOINT_URL", "MAILMAN_AWS_PORT", "OUTBOUND_QUEUE_URL"):
        env.pop(name, None)
    return env


def _start_platform(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`make dev` started with `env`, run until it exits (here: when it refuses to start)."""
    return subprocess.run(
        [sys.executable, "-m", "local.platform"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )


def mailman(
    local_dir: Path, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MAILMAN, *args],
        cwd=cwd,
        env=_env(local_dir),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )


def test_import_finds_the_platform_on_moved_ports(
    platform: LocalPlatform, api: AuthenticatedClient, tmp_path: Path
) -> None:
    inbox = str(quickstart_inbox(api, "archive"))
    folder = tmp_path / "eml"
    folder.mkdir()
    (folder / "one.eml").write_bytes(
        make_mail(
            to="archive@mailman.test", subject="Kept from before", message_id="<k1@x.example>"
        )
    )

    imported = mailman(
        platform.local_dir, "import", "--inbox", inbox, "--quiet", str(folder), cwd=tmp_path
    )
    listed = mailman(platform.local_dir, "threads", "archive@mailman.test", cwd=tmp_path)

    assert platform.ports.aws != 4566
    assert imported.returncode == 0, imported.stderr
    assert "imported 1, already there 0, quarantined 0 (of 1)" in imported.stdout
    assert "Kept from before" in listed.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eml"]


def test_without_a_data_folder_the_cli_says_so_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / ".local"

    runs = [
        mailman(missing, *args, cwd=tmp_path)
        for args in (
            ["orgs", "list"],
            ["inbox", "list"],
            ["outbox"],
            ["dns", "unpublish", "a.example"],
        )
    ]

    for run in runs:
        assert run.returncode == 1
        assert run.stderr.strip() == (
            f"mailman: the data folder {missing} does not exist: start the platform with "
            "`make dev`, or point MAILMAN_LOCAL_DIR at the data folder of one"
        )
    assert list(tmp_path.iterdir()) == []


def test_with_a_data_folder_but_no_platform_the_cli_says_none_is_running(
    tmp_path: Path,
) -> None:
    never, crashed = tmp_path / "never", tmp_path / "crashed"
    never.mkdir()
    crashed.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    PlatformRecord(
        pid=dead.pid,
        pid_started=None,
        started_at="2026-11-21T12:00:00+00:00",
        local_dir=str(crashed),
        api_url="http://127.0.0.1:1",
        aws_endpoint="http://127.0.0.1:2",
        smtp_address="127.0.0.1:3",
        dns_address="127.0.0.1:4",
        region="us-east-1",
        database_url="postgresql://nobody@127.0.0.1:5/mailman",
        outbound_queue_url="http://127.0.0.1:2/queue",
        webhook_key_file=str(crashed / "webhook-secrets.key"),
    ).write(crashed)

    unstarted = mailman(never, "tail")
    stale = mailman(crashed, "import", "--inbox", "support@x.example", str(tmp_path))

    assert unstarted.returncode == stale.returncode == 1
    assert unstarted.stderr.strip() == (
        f"mailman: no Mailman platform is running for {never}; start it with `make dev`"
    )
    assert stale.stderr.strip() == (
        f"mailman: no Mailman platform is running for {crashed} (pid {dead.pid}, which wrote "
        "platform.json, is gone); start it with `make dev`"
    )
    assert list(never.iterdir()) == []
    assert [p.name for p in crashed.iterdir()] == ["platform.json"]


def test_dns_unpublish_of_a_domain_never_published_says_so(platform: LocalPlatform) -> None:
    zone = platform.local_dir / "dns" / "zone.json"
    before = zone.read_text()

    result = mailman(platform.local_dir, "dns", "unpublish", "never.example")

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "mailman: nothing is published under never.example in the local zone (domain)"
    )
    assert zone.read_text() == before


def test_inbox_list_shows_the_organisations_inboxes(
    platform: LocalPlatform, alice: str, bob: str
) -> None:
    result = mailman(platform.local_dir, "inbox", "list")

    assert result.returncode == 0, result.stderr
    rows = {line.split("\t")[1]: line.split("\t") for line in result.stdout.splitlines()}
    assert rows["alice@mailman.test"][0] == alice
    assert rows["bob@mailman.test"][0] == bob
    assert rows["bob@mailman.test"][2].startswith("inbox ")


def test_send_goes_out_through_the_platform_and_lands_in_the_outbox_and_the_thread(
    platform: LocalPlatform, alice: str, bob: str, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("the minutes")

    sent = mailman(
        platform.local_dir,
        "send",
        "--from",
        "alice@mailman.test",
        "--to",
        "bob@mailman.test",
        "--cc",
        "carol@elsewhere.example",
        "--subject",
        "Sent from the CLI",
        "--text",
        "See the notes.",
        "--attach",
        str(notes),
    )

    assert sent.returncode == 0, sent.stderr
    message_id, status, thread, sender = sent.stdout.strip().split("\t")
    assert (status, sender) == ("pending", "from alice@mailman.test")
    in_outbox = poll(
        lambda: "Sent from the CLI" in mailman(platform.local_dir, "outbox").stdout,
        timeout=20,
        interval=0.5,
    )
    assert in_outbox
    assert poll(
        lambda: "Sent from the CLI" in mailman(platform.local_dir, "threads", bob).stdout,
        timeout=20,
        interval=0.5,
    )
    shown = mailman(
        platform.local_dir, "threads", "alice@mailman.test", thread.removeprefix("thread ")
    ).stdout
    assert message_id in shown
    assert "alice@mailman.test -> bob@mailman.test, carol@elsewhere.example" in shown
    assert "attached notes.txt" in shown


def _lines(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))


def _until(lines: queue.Queue[str], wanted: str, timeout: float) -> list[str]:
    """The lines read until one holding `wanted` (inclusive), or all read by `timeout`."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while not any(wanted in line for line in seen):
        try:
            seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            break
    return seen


def _sent(api: AuthenticatedClient, inbox: str, subject: str) -> str:
    body = SendIn(to=["dave@elsewhere.example"], subject=subject, text="Hi")
    message_id = ok(MessageOut, messages_send.sync(UUID(inbox), client=api, body=body)).id
    assert poll(
        lambda: ok(MessageOut, messages_get.sync(message_id, client=api)).status == "delivered",
        timeout=20,
        interval=0.3,
    )
    return str(message_id)


def test_tail_prints_what_happens_after_it_starts_and_stops_on_ctrl_c(
    platform: LocalPlatform, api: AuthenticatedClient, alice: str
) -> None:
    before = _sent(api, alice, "Before the tail")
    follower = subprocess.Popen(
        [MAILMAN, "tail"],
        env=_env(platform.local_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert follower.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(follower.stdout, lines), daemon=True).start()
    try:
        started = _until(lines, "following the event log", timeout=60)
        after = _sent(api, alice, "After the tail")
        printed = _until(lines, f"message.sent  inbox {alice} message {after}", timeout=30)
    finally:
        follower.send_signal(signal.SIGINT)
        code = follower.wait(30)
    rest = _until(lines, "never printed", timeout=1)

    assert any("from now; Ctrl-C stops" in line for line in started), started
    assert any(f"message.sent  inbox {alice} message {after}" in line for line in printed), printed
    assert not any(before in line for line in started + printed + rest)
    assert code == 0
    assert not any("Traceback" in line for line in printed + rest)


def test_a_second_platform_on_the_same_data_folder_refuses_to_start(
    platform: LocalPlatform,
) -> None:
    record = (platform.local_dir / "platform.json").read_text()
    env = {**_env(platform.local_dir), "MAILMAN_API_PORT": "0", "MAILMAN_AWS_PORT": "0"}

    second = _start_platform(env)

    assert second.returncode == 1
    assert second.stderr.strip() == (
        f"A Mailman platform is already running for {platform.local_dir} "
        f"(pid {json.loads(record)['pid']}, API {platform.base_url})."
    )
    assert (platform.local_dir / "platform.json").read_text() == record


def test_a_platform_started_while_another_holds_the_data_folder_exits_at_once(
    tmp_path: Path,
) -> None:
    local_dir = tmp_path / "data"
    local_dir.mkdir()
    ports = Ports.free()
    env = {
        **_env(local_dir),
        "MAILMAN_API_PORT": str(ports.api),
        "MAILMAN_AWS_PORT": str(ports.aws),
        "MAILMAN_SMTP_PORT": str(ports.smtp),
        "MAILMAN_DNS_PORT": "0",
    }
    with (local_dir / "platform.lock").open("w") as lock:
        # What a platform still starting (no platform.json yet) holds.
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        second = _start_platform(env)

    assert second.returncode == 1
    assert second.stderr.strip() == (
        f"A Mailman platform is already running for {local_dir} "
        f"(pid {os.getpid()}, starting or stopping)."
    )
    assert second.stdout == ""
    assert sorted(p.name for p in local_dir.iterdir()) == ["platform.lock"]
