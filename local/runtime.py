"""Where the local platform is: its data folder, and the record it keeps there while it runs.

The data folder is `MAILMAN_LOCAL_DIR`, else the checkout's own `.local/` (whatever the
current folder). Once ready, `make dev` writes `<data>/platform.json` (its pid, its addresses,
its database) and removes it when it stops; the `mailman` CLI reads it to reach the platform
on whatever ports it runs, and tells a stale record (its process gone) from a running one.

From its very start to its exit, `make dev` holds an exclusive lock on `<data>/platform.lock`
(with its pid written in it), so two platforms never share a data folder, even when started
together; the system releases the lock when the process exits, however it exits.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
RECORD_NAME = "platform.json"
LOCK_NAME = "platform.lock"


def local_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The data folder: `MAILMAN_LOCAL_DIR`, else the checkout's `.local/`."""
    given = env.get("MAILMAN_LOCAL_DIR")
    return Path(given).resolve() if given else CHECKOUT / ".local"


def record_path(data: Path) -> Path:
    return data / RECORD_NAME


def start_ticks(pid: int) -> int | None:
    """When process `pid` started, in clock ticks after boot (Linux's /proc/PID/stat, field
    22); None where that cannot be read. With the pid it names one process, never a later one
    given the same pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: count after it.
    return int(stat.rpartition(")")[2].split()[19])


def running(pid: int, started: int | None) -> bool:
    """Whether process `pid`, started at `started` (its `start_ticks`, None if unknown), runs:
    a later process given the same pid is not it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it runs, as someone else
    now = start_ticks(pid)
    return started is None or now is None or now == started


@dataclass(frozen=True)
class PlatformRecord:
    """What a running platform says of itself in `<data>/platform.json`."""

    pid: int
    pid_started: int | None
    """The process's `start_ticks`, so that a pid reused after a crash is not taken for it."""
    started_at: str
    local_dir: str
    api_url: str
    aws_endpoint: str
    smtp_address: str
    dns_address: str
    region: str
    database_url: str
    outbound_queue_url: str
    webhook_key_file: str

    def write(self, data: Path) -> None:
        """Write the record whole or not at all (readers never see half of one); it names
        the database with its password, so only its owner may read it."""
        temporary = record_path(data).with_suffix(".tmp")
        temporary.unlink(missing_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(json.dumps(asdict(self), indent=2) + "\n")
        temporary.replace(record_path(data))

    @classmethod
    def read(cls, data: Path) -> PlatformRecord | None:
        """The record in `data`, or None when there is none or it cannot be read."""
        try:
            return cls(**json.loads(record_path(data).read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def alive(self) -> bool:
        """Whether the process that wrote the record still runs."""
        return running(self.pid, self.pid_started)


class DataFolderInUse(Exception):
    """Another process holds the data folder's lock: `holder` is its pid, None if it has not
    written it yet."""

    def __init__(self, data: Path, holder: int | None) -> None:
        super().__init__(f"{data / LOCK_NAME} is held by pid {holder}")
        self.holder = holder


def hold_data_folder(data: Path) -> int:
    """Lock the data folder `data` (which must exist) for this process: an exclusive `flock`
    on `<data>/platform.lock`, with this pid written in it. Answers the lock file's
    descriptor, which holds the lock while it is open (the process's life, unless closed;
    children do not inherit it). DataFolderInUse if another process holds it already."""
    descriptor = os.open(data / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip()
        os.close(descriptor)
        raise DataFolderInUse(data, int(holder) if holder.isdigit() else None) from None
    except BaseException:
        os.close(descriptor)
        raise
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
    return descriptor


def remove_record(data: Path) -> None:
    """Remove the record if this process wrote it (a second platform's stays)."""
    found = PlatformRecord.read(data)
    if found is not None and found.pid == os.getpid():
        record_path(data).unlink(missing_ok=True)


class PlatformUnavailable(Exception):
    """No platform to reach: its data folder does not exist, or nothing runs for it."""


def existing(data: Path) -> Path:
    """`data`, which must be a folder: PlatformUnavailable, said plainly, if it is not."""
    if not data.is_dir():
        raise PlatformUnavailable(
            f"the data folder {data} does not exist: start the platform with `make dev`, "
            "or point MAILMAN_LOCAL_DIR at the data folder of one"
        )
    return data


def running_platform(data: Path) -> PlatformRecord:
    """The platform running for data folder `data`; PlatformUnavailable, said plainly, if
    the folder does not exist or no platform runs for it. Creates nothing."""
    found = PlatformRecord.read(existing(data))
    if found is None or not found.alive():
        gone = "" if found is None else f" (pid {found.pid}, which wrote {RECORD_NAME}, is gone)"
        raise PlatformUnavailable(
            f"no Mailman platform is running for {data}{gone}; start it with `make dev`"
        )
    return found


def allow_test_domains() -> None:
    """Locally, mail may be addressed to `.test` names (the quick-start domain is
    `mailman.test`), which email-validator refuses as reserved unless told it runs in a test
    environment (its own switch for this)."""
    import email_validator

    email_validator.TEST_ENVIRONMENT = True
