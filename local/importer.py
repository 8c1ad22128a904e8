"""`mailman import`: an existing mailbox (mbox, Maildir, or a folder of .eml) into an inbox."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from mailman.composition import Container
from mailman.domain.models import Inbox
from mailman.mime import parse_date
from mailman.services.receiving import Scanning, import_message

_HEADER_SCAN_BYTES = 64 * 1024


@dataclass(frozen=True)
class ImportReport:
    seen: int
    stored: int
    skipped: int
    quarantined: int


def _sources(path: Path) -> tuple[str, int, Iterator[bytes]]:
    """What the path holds: its kind, how many messages, and their raw bytes in order."""
    if path.is_file():
        box = mailbox.mbox(path, create=False)
        return "mbox", len(box), (box.get_bytes(key) for key in box.iterkeys())
    if (path / "cur").is_dir() and (path / "new").is_dir():
        maildir = mailbox.Maildir(path, factory=None, create=False)
        keys = sorted(maildir.iterkeys())
        return "Maildir", len(keys), (maildir.get_bytes(key) for key in keys)
    files = sorted(p for p in path.rglob("*.eml") if p.is_file())
    return "folder of .eml", len(files), (p.read_bytes() for p in files)


def _date(raw: bytes) -> datetime | None:
    """The Date header (the import's received_at), read from the head of the raw bytes
    without parsing the message; None when it is missing or unreadable."""
    head = raw[:_HEADER_SCAN_BYTES].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    for line in head.splitlines():
        if line[:5].lower() == b"date:":
            return parse_date(line[5:].decode("ascii", "replace"))
    return None


def import_path(container: Container, inbox: Inbox, path: Path, *, progress: bool) -> ImportReport:
    """Import every message under `path`; a re-run skips what is already there."""
    kind, total, messages = _sources(path)
    stored = skipped = quarantined = seen = 0
    scanning = Scanning(container.scanner, container.settings.scan_attempts)
    bar = tqdm(total=total, unit="msg", desc=f"{kind} -> {inbox.address}", disable=not progress)
    with bar:
        for raw in messages:
            seen += 1
            result = import_message(
                container.uow,
                container.blobs,
                scanning,
                inbox,
                raw,
                _date(raw) or container.clock.now(),
            )
            if result.created:
                stored += 1
                quarantined += result.quarantined
            else:
                skipped += 1
            bar.update(1)
    return ImportReport(seen, stored, skipped, quarantined)
