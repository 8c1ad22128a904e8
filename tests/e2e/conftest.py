"""End-to-end fixtures: the local platform (`python -m local.platform`) as a real process.

Each run gets its own data directory and free ports on 127.0.0.1, its output is collected
line by line, and whatever a test leaves running (the platform, and the embedded PostgreSQL
it started) is stopped at teardown.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import httpx
import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.domains import domains_list
from mailman_client.api.inboxes import inboxes_create
from mailman_client.models import CreateInbox, InboxOut, ListOfDomainOut

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
READY = "Ready. Ctrl-C stops everything."
START_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 30.0
HTTP_TIMEOUT_SECONDS = 15.0

T = TypeVar("T")


def poll(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """True as soon as `condition()` holds, False if it still does not after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def ok(kind: type[T], answer: object) -> T:
    """What a call of the generated client answered, as the `kind` its operation documents
    for success; an error envelope (or nothing the document names) fails the test."""
    assert isinstance(answer, kind), f"expected {kind.__name__}, answered {answer!r}"
    return answer


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass(frozen=True)
class Ports:
    api: int
    aws: int
    smtp: int

    @classmethod
    def free(cls) -> Ports:
        return cls(api=free_port(), aws=free_port(), smtp=free_port())


class LocalPlatform:
    """One run of `python -m local.platform`, as `make dev` starts it, from the checkout at
    `root` (this one unless told: a benchmark may run another beside it)."""

    def __init__(
        self,
        local_dir: Path,
        ports: Ports,
        extra_env: dict[str, str] | None = None,
        *,
        root: Path = REPO_ROOT,
    ) -> None:
        self.local_dir = local_dir
        self.ports = ports
        self.extra_env = extra_env or {}
        self.root = root
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._lines: list[str] = []
        self._lock = threading.Lock()

    # -- running it ---------------------------------------------------------------------

    def start(self) -> LocalPlatform:
        env = {
            **os.environ,
            "MAILMAN_LOCAL_DIR": str(self.local_dir),
            "MAILMAN_API_PORT": str(self.ports.api),
            "MAILMAN_AWS_PORT": str(self.ports.aws),
            "MAILMAN_SMTP_PORT": str(self.ports.smtp),
            "MAILMAN_DNS_PORT": "0",  # UDP; the platform binds any free one and prints it
            "PYTHONUNBUFFERED": "1",
            "MAILMAN_CLAMAV_DEFINITIONS": "",  # the project's signatures only: fast to load
            "PYTHONPATH": f"{self.root / 'shared'}{os.pathsep}{self.root}",
            **self.extra_env,
        }
        env.pop("DATABASE_URL", None)  # the platform runs its own embedded PostgreSQL
        env.pop("CLAMD_ADDRESS", None)  # and its own clamd
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local.platform"],
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a Ctrl-C meant for pytest does not reach it
        )
        self._reader = threading.Thread(target=self._read, args=(self._process,), daemon=True)
        self._reader.start()
        process = self._process
        settled = poll(
            lambda: self.has_line(READY) or process.poll() is not None, START_TIMEOUT_SECONDS
        )
        if not self.has_line(READY):
            state = "still starting" if not settled else f"exited {process.poll()}"
            pytest.fail(
                f"the local platform was not ready after {START_TIMEOUT_SECONDS:.0f} s "
                f"({state}); its output:\n{self.output}"
            )
        return self

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._lock:
                self._lines.append(line.rstrip("\n"))

    def interrupt(self) -> int | None:
        """What Ctrl-C in its terminal does: SIGINT to its process group.

        Answers the exit code, or None if it is still running after the bound.
        """
        process = self._require_process()
        os.killpg(process.pid, signal.SIGINT)  # its own group: it was started in a new session
        try:
            code = process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            return None
        self._drain()
        return code

    def kill(self) -> None:
        """What a crash does: SIGKILL to the platform's process alone. What it started is
        left as a crash leaves it (clamd dies with it; the embedded PostgreSQL runs on, and
        `stop` stops it if no later run on the folder has)."""
        process = self._require_process()
        process.kill()
        process.wait(STOP_TIMEOUT_SECONDS)
        self._drain()

    def stop(self) -> None:
        """Teardown: whatever state it is in, leave nothing of this run behind."""
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_SECONDS)
        self._drain()
        self._stop_orphaned_postgres()

    def _drain(self) -> None:
        """Wait for the rest of the output once the process has exited."""
        if self._reader is not None:
            self._reader.join(STOP_TIMEOUT_SECONDS)
        if self._process is not None and self._process.stdout is not None:
            self._process.stdout.close()

    def _stop_orphaned_postgres(self) -> None:
        """If the platform died without stopping its PostgreSQL, stop that server (fast)."""
        pid_file = self.postmaster_pid_file
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().splitlines()[0])
        cmdline = Path(f"/proc/{pid}/cmdline")
        if cmdline.exists() and str(self.postgres_dir) not in cmdline.read_text():
            return  # a stale file whose pid now belongs to someone else
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
        poll(lambda: not pid_file.exists(), STOP_TIMEOUT_SECONDS)

    def _require_process(self) -> subprocess.Popen[str]:
        assert self._process is not None, "start() the platform first"
        return self._process

    # -- what it printed ----------------------------------------------------------------

    @property
    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def has_line(self, text: str) -> bool:
        return any(line.strip() == text for line in self.lines)

    def printed(self, label: str) -> str | None:
        """The first word after `label` on the line it starts, e.g. `API` -> the URL."""
        pattern = re.compile(rf"^\s*{re.escape(label)}\s+(\S+)")
        for line in self.lines:
            match = pattern.match(line)
            if match:
                return match.group(1)
        return None

    @property
    def base_url(self) -> str:
        url = self.printed("API")
        assert url is not None, f"no API line in:\n{self.output}"
        return url

    @property
    def organization_id(self) -> str:
        org = self.printed("Organization")
        assert org is not None, f"no Organization line in:\n{self.output}"
        return org

    @property
    def api_key(self) -> str:
        key = self.printed("API key")
        assert key is not None, f"no API key line in:\n{self.output}"
        return key

    @property
    def dns_port(self) -> int:
        address = self.printed("DNS")
        assert address is not None, f"no DNS line in:\n{self.output}"
        return int(address.rpartition(":")[2])

    @property
    def postgres_dir(self) -> Path:
        return self.local_dir / "postgres"

    @property
    def postmaster_pid_file(self) -> Path:
        return self.postgres_dir / "postmaster.pid"

    # -- talking to it ------------------------------------------------------------------

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=HTTP_TIMEOUT_SECONDS)

    def api(self, key: str) -> AuthenticatedClient:
        """The generated Python client (clients/python) speaking with `key`: it raises on
        any status its operation's document does not list."""
        return AuthenticatedClient(
            base_url=self.base_url,
            token=key,
            timeout=httpx.Timeout(HTTP_TIMEOUT_SECONDS),
            raise_on_unexpected_status=True,
        )


Launcher = Callable[..., LocalPlatform]


@pytest.fixture
def launch() -> Iterator[Launcher]:
    """Starts local platforms for one test, and stops every one of them afterwards."""
    started: list[LocalPlatform] = []

    def start(
        local_dir: Path, ports: Ports, extra_env: dict[str, str] | None = None
    ) -> LocalPlatform:
        platform = LocalPlatform(local_dir, ports, extra_env)
        started.append(platform)
        return platform.start()

    yield start
    for platform in started:
        platform.stop()


@contextlib.contextmanager
def running_platform(
    tmp_path_factory: pytest.TempPathFactory, name: str, extra_env: dict[str, str] | None = None
) -> Iterator[LocalPlatform]:
    """A platform in a fresh folder on free ports, stopped when the block ends."""
    running = LocalPlatform(tmp_path_factory.mktemp(name) / ".local", Ports.free(), extra_env)
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture(scope="module")
def local_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    """One platform shared by the walk-through tests (each makes its own domain)."""
    with running_platform(tmp_path_factory, "local") as platform:
        yield platform


@pytest.fixture(scope="module")
def platform(local_platform: LocalPlatform) -> LocalPlatform:
    """The platform `client` speaks to: the shared one, unless a module starts its own."""
    return local_platform


@pytest.fixture(scope="module")
def client(platform: LocalPlatform) -> Iterator[httpx.Client]:
    """Speaks with the key the platform printed on its first start."""
    with platform.client(platform.api_key) as http:
        yield http


@pytest.fixture(scope="module")
def api(platform: LocalPlatform) -> Iterator[AuthenticatedClient]:
    """The generated client, with the key the platform printed on its first start."""
    with platform.api(platform.api_key) as client:
        yield client


def quickstart_inbox(api: AuthenticatedClient, local_part: str) -> UUID:
    """A new inbox on the domain `MAILMAN_QUICKSTART=1` made ready; answers its id."""
    domain = ok(ListOfDomainOut, domains_list.sync(client=api)).data[0]
    body = CreateInbox(domain_id=domain.id, local_part=local_part)
    return ok(InboxOut, inboxes_create.sync(client=api, body=body)).id


@pytest.fixture(scope="module")
def anonymous(local_platform: LocalPlatform) -> Iterator[httpx.Client]:
    with local_platform.client() as http:
        yield http


# -- what is listening where (Linux) ---------------------------------------------------

PROC_NET = Path("/proc/net")
_LISTEN_STATES = {"tcp": "0A", "udp": "07"}  # TCP_LISTEN; an unconnected UDP socket


def _address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    # The kernel prints each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words))


def listening_addresses(protocol: str, port: int) -> set[str]:
    """The local addresses a socket of `protocol` ("tcp"/"udp") is bound to on `port`."""
    found: set[str] = set()
    for table in (PROC_NET / protocol, PROC_NET / f"{protocol}6"):
        if not table.exists():
            continue
        for row in table.read_text().splitlines()[1:]:
            columns = row.split()
            host, _, hex_port = columns[1].partition(":")
            if int(hex_port, 16) == port and columns[3] == _LISTEN_STATES[protocol]:
                found.add(_address(host))
    return found
