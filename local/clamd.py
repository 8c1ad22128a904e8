"""A real clamd (ClamAV's daemon) for the local platform and the tests, stopped when done.

`make dev` and `make test` install Debian's `clamav-daemon` where it is missing
(`local/install_clamd.sh`); this module runs the installed `clamd` with a configuration of its
own in a temporary folder, never the system's: in the foreground, on a free TCP port of
127.0.0.1 (and, when asked, a Unix socket in that folder), as the user who starts it (no `User`
option, so running as root it never switches to a `clamav` user that may not exist), with the
signatures it is given.

Virus definitions cannot be downloaded here (freshclam needs the internet), so the project
ships its own: `local/clamav/mailman-test.ndb` detects the EICAR test string as
`Mailman.Test.EICAR` (clamd reports it as `Mailman.Test.EICAR.UNOFFICIAL`, as it names every
signature not signed by ClamAV). `make dev` adds whatever real definitions the machine has in
`/var/lib/clamav` (large and slow to load); the tests use only the project's.

The limits follow the deployed clamd: `StreamMaxLength` is `Settings.scan_max_bytes`, and
`AlertExceedsMax yes` has clamd report what it skipped for its limits
(`Heuristics.Limits.Exceeded.*`) rather than pass it silently; except one case ClamAV 1.4 does
not alert on: a zip member unpacking past `MaxFileSize` is scanned up to that size only.

Each clamd's folder (`<tmp>/mailman-clamd-*`) names the process that started it (`owner`: its
pid and start time). A stop removes the folder; a platform or test run killed outright cannot,
so each start first removes the folders whose owner is gone (`remove_stale_folders`), never
one whose owner runs, one naming no owner, or another user's.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from local.runtime import running, start_ticks

HOST = "127.0.0.1"
PROJECT_SIGNATURES = Path(__file__).resolve().parent / "clamav" / "mailman-test.ndb"
INSTALLED_DEFINITIONS = Path("/var/lib/clamav")
DEFINITION_SUFFIXES = (".cvd", ".cld", ".cud")
START_TIMEOUT_SECONDS = 180.0
"""Loading the real definitions takes tens of seconds; the project's alone, well under one."""
STOP_TIMEOUT_SECONDS = 10.0
FOLDER_PREFIX = "mailman-clamd-"
OWNER = "owner"
_PR_SET_PDEATHSIG = 1


class ClamdUnavailable(Exception):
    """clamd is not installed here, or did not start: the message says why."""


@dataclass(frozen=True)
class ClamdLimits:
    """clamd's size limits; None leaves clamd's own default (MaxFileSize 100M, MaxScanSize
    400M)."""

    stream_max_bytes: int
    max_file_bytes: int | None = None
    max_scan_bytes: int | None = None


def find_clamd() -> str | None:
    """The clamd binary: on PATH, or where Debian puts it (/usr/sbin is not on every PATH)."""
    return shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")


def installed_definitions(folder: Path = INSTALLED_DEFINITIONS) -> list[Path]:
    """The real definitions on this machine (main, daily, bytecode), if freshclam ever ran."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in DEFINITION_SUFFIXES)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port


def clamd_conf(
    folder: Path, port: int, limits: ClamdLimits, local_socket: Path | None = None
) -> str:
    """The configuration clamd runs with: everything inside `folder`, listening on loopback."""
    lines = [
        "Foreground yes",
        f"LogFile {folder / 'clamd.log'}",
        "LogTime yes",
        f"DatabaseDirectory {folder / 'db'}",
        f"TemporaryDirectory {folder / 'tmp'}",
        f"TCPSocket {port}",
        f"TCPAddr {HOST}",
        f"StreamMaxLength {limits.stream_max_bytes}",
        "AlertExceedsMax yes",
        "MaxThreads 4",
    ]
    if limits.max_file_bytes is not None:
        lines.append(f"MaxFileSize {limits.max_file_bytes}")
    if limits.max_scan_bytes is not None:
        lines.append(f"MaxScanSize {limits.max_scan_bytes}")
    if local_socket is not None:
        lines.append(f"LocalSocket {local_socket}")
    return "\n".join(lines) + "\n"


def remove_stale_folders(parent: Path | None = None) -> list[Path]:
    """Remove the clamd folders in `parent` (the temporary directory unless told) whose owner
    is gone; answers those removed. One whose owner runs, that names none (an older version's,
    or one being made) or that is not this user's is left alone."""
    removed = []
    for folder in sorted((parent or Path(tempfile.gettempdir())).glob(f"{FOLDER_PREFIX}*")):
        try:
            found = folder.lstat()
            if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
                continue
            pid, _, started = (folder / OWNER).read_text().strip().partition(" ")
            if running(int(pid), int(started) if started else None):
                continue
        except (OSError, ValueError):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _die_with_parent() -> None:
    """In the child before exec: clamd gets SIGTERM when the process that started it dies, so
    a platform or a test run killed outright leaves no clamd behind (Linux's PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class LocalClamd:
    """One clamd, started by `start()` (or `with`), stopped and cleaned up by `stop()`."""

    def __init__(
        self,
        limits: ClamdLimits,
        *,
        signatures: Sequence[Path] = (PROJECT_SIGNATURES,),
        unix_socket: bool = False,
        start_timeout: float = START_TIMEOUT_SECONDS,
    ) -> None:
        self.limits = limits
        self.signatures = tuple(signatures)
        self._unix_socket = unix_socket
        self._start_timeout = start_timeout
        self._folder: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.started_in = 0.0
        """Seconds from starting clamd to its first PONG."""

    @property
    def address(self) -> str:
        """What `Settings.clamd_address` takes: `tcp://127.0.0.1:<port>`."""
        return f"tcp://{HOST}:{self.port}"

    @property
    def socket_path(self) -> Path:
        if self._folder is None or not self._unix_socket:
            raise RuntimeError("this clamd has no Unix socket")
        return self._folder / "clamd.sock"

    @property
    def unix_address(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self) -> LocalClamd:
        binary = find_clamd()
        if binary is None:
            raise ClamdUnavailable("clamd is not installed (Debian: apt-get install clamav-daemon)")
        remove_stale_folders()
        self._folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        started = start_ticks(os.getpid())
        (self._folder / OWNER).write_text(f"{os.getpid()} {'' if started is None else started}")
        self._prepare(self._folder)
        began = time.monotonic()
        log = (self._folder / "clamd.out").open("wb")
        with log:
            self._process = subprocess.Popen(
                [binary, f"--config-file={self._folder / 'clamd.conf'}"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - one prctl call, no locks taken
                start_new_session=True,  # Ctrl-C reaches the platform, which stops it in turn
            )
        try:
            self._wait_ready()
        except ClamdUnavailable:
            self.stop()
            raise
        self.started_in = time.monotonic() - began
        return self

    def _prepare(self, folder: Path) -> None:
        databases = folder / "db"
        databases.mkdir()
        (folder / "tmp").mkdir()
        for signature in self.signatures:
            (databases / signature.name).symlink_to(signature.resolve())
        self.port = free_port()
        local_socket = folder / "clamd.sock" if self._unix_socket else None
        conf = clamd_conf(folder, self.port, self.limits, local_socket)
        (folder / "clamd.conf").write_text(conf)

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ClamdUnavailable(
                    f"clamd exited with {self._process.returncode}: {self._log_tail()}"
                )
            if self.ping():
                return
            time.sleep(0.1)
        raise ClamdUnavailable(
            f"clamd did not answer PING within {self._start_timeout:.0f} s: {self._log_tail()}"
        )

    def ping(self) -> bool:
        """Whether clamd answers PING with PONG on its TCP port."""
        try:
            with socket.create_connection((HOST, self.port), timeout=2) as conn:
                conn.sendall(b"zPING\0")
                return conn.recv(16) == b"PONG\0"
        except OSError:
            return False

    def _log_tail(self, lines: int = 8) -> str:
        if self._folder is None:
            return ""
        text = ""
        for name in ("clamd.out", "clamd.log"):
            path = self._folder / name
            if path.exists():
                text += path.read_text(errors="replace")
        return " | ".join(text.strip().splitlines()[-lines:])

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_SECONDS)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> LocalClamd:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class LocalScanning:
    """What the local platform scans with: the address its functions get (None: scanning is
    off), the clamd it started (if it did), and a line saying which."""

    address: str | None
    clamd: LocalClamd | None
    note: str

    def stop(self) -> None:
        if self.clamd is not None:
            self.clamd.stop()


_OFF_VALUES = ("off", "0", "false", "no")


def start_scanning(
    env: Mapping[str, str], stream_max_bytes: int, max_file_bytes: int
) -> LocalScanning:
    """clamd for `make dev`: `CLAMD_ADDRESS` if the developer runs one of their own; none if
    `MAILMAN_CLAMD=off`; else one started here with the project's signatures and the real
    definitions in `MAILMAN_CLAMAV_DEFINITIONS` (default /var/lib/clamav; empty: none). When
    clamd cannot be had, scanning is off and the note says why: never a silent "clean"."""
    if env.get("CLAMD_ADDRESS"):
        return LocalScanning(env["CLAMD_ADDRESS"], None, "your clamd (CLAMD_ADDRESS)")
    if env.get("MAILMAN_CLAMD", "").lower() in _OFF_VALUES:
        return LocalScanning(None, None, "virus scanning is OFF (MAILMAN_CLAMD=off)")
    folder = env.get("MAILMAN_CLAMAV_DEFINITIONS", str(INSTALLED_DEFINITIONS))
    installed = installed_definitions(Path(folder)) if folder else []
    clamd = LocalClamd(
        ClamdLimits(stream_max_bytes=stream_max_bytes, max_file_bytes=max_file_bytes),
        signatures=[PROJECT_SIGNATURES, *installed],
    )
    try:
        clamd.start()
    except ClamdUnavailable as exc:
        return LocalScanning(None, None, f"virus scanning is OFF: {exc}")
    loaded = "the project's test signatures" + (
        f" and {len(installed)} definition files of {folder}" if installed else " only"
    )
    note = f"clamd with {loaded}, ready in {clamd.started_in:.1f} s"
    return LocalScanning(clamd.address, clamd, note)
