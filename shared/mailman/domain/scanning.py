"""What our own virus scanner (ClamAV) says of a received message, and what follows from it.

Every received message is scanned before it is stored as received: its raw form and each
decoded attachment, one `ScanPart` each. The parts' results make one `ScanReport`, which the
message keeps (`messages.scan`) and the API shows:

- `pass`: every part scanned, nothing found;
- `fail`: a signature found: the message is quarantined with reason `virus` and the
  signature's name;
- `unscanned`: nothing found, but some part was over the scanner's limits and was not
  scanned (named in `unscanned`): never reported as clean;
- `failed`: the scanner could not be reached, or answered an error, on every receive of the
  mail up to the bound (`Settings.scan_attempts`): quarantined with reason `scan_failed`;
- `off`: no scanner is configured (a local platform without clamd): said, never `pass`.

A scanner that is down raises `ScannerUnavailable`, and the mail waits for the queue to
bring it again; nothing is lost and nothing is stored half-scanned.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

VIRUS = "virus"
"""The quarantine reason of a message a signature was found in (ours or SES's verdict)."""
SCAN_FAILED = "scan_failed"
"""The quarantine reason of a message the scanner could not scan, past the bound."""

LIMITS_SIGNATURE_PREFIX = "Heuristics.Limits.Exceeded"
"""How clamd names what it skipped for its own limits (with `AlertExceedsMax yes`): such a
part is unscanned, not infected."""


class ScanVerdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    UNSCANNED = "unscanned"
    FAILED = "failed"
    OFF = "off"


class PartOutcome(StrEnum):
    CLEAN = "clean"
    INFECTED = "infected"
    UNSCANNED = "unscanned"
    """Over the scanner's limits (its stream size, or a limit clamd alerted on)."""


@dataclass(frozen=True)
class ScanPart:
    """One thing to scan: `message` (the raw form) or `attachment N (name)`."""

    name: str
    content: bytes


@dataclass(frozen=True)
class PartResult:
    part: str
    outcome: PartOutcome
    signature: str | None = None


@dataclass(frozen=True)
class ScanReport:
    verdict: ScanVerdict
    engine: str | None = None
    """The scanner and its definitions' version, as clamd's VERSION answers it."""
    signature: str | None = None
    """The first signature found (for `fail`)."""
    unscanned: tuple[str, ...] = ()
    """The parts left unscanned, by name."""

    @property
    def quarantine_reason(self) -> str | None:
        if self.verdict is ScanVerdict.FAIL:
            return VIRUS
        if self.verdict is ScanVerdict.FAILED:
            return SCAN_FAILED
        return None

    def as_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "engine": self.engine,
            "signature": self.signature,
            "unscanned": list(self.unscanned),
        }


OFF = ScanReport(ScanVerdict.OFF)
FAILED = ScanReport(ScanVerdict.FAILED)


class ScannerUnavailable(Exception):
    """The scanner is down, refused the connection, timed out or answered an error: the
    message is not judged, and waits to be tried again."""


def part_names(attachment_names: Sequence[str | None]) -> list[str]:
    """The names of a message's parts: `message`, then `attachment N (name)` from 1."""
    return ["message"] + [
        f"attachment {n} ({name})" if name else f"attachment {n}"
        for n, name in enumerate(attachment_names, start=1)
    ]


def judge(results: Sequence[PartResult], engine: str | None) -> ScanReport:
    """One report from the parts' results: a signature anywhere fails the message; else any
    part unscanned makes it `unscanned`; else it passes."""
    for result in results:
        if result.outcome is PartOutcome.INFECTED:
            return ScanReport(ScanVerdict.FAIL, engine, result.signature)
    unscanned = tuple(r.part for r in results if r.outcome is PartOutcome.UNSCANNED)
    if unscanned:
        return ScanReport(ScanVerdict.UNSCANNED, engine, None, unscanned)
    return ScanReport(ScanVerdict.PASS, engine)


def scan_parts(raw: bytes, attachments: Sequence[tuple[str | None, bytes]]) -> list[ScanPart]:
    """What of a message is scanned: its raw form, then each decoded attachment (name,
    content), named as `part_names` names them."""
    names = part_names([name for name, _ in attachments])
    contents = [raw, *(content for _, content in attachments)]
    return [ScanPart(name, content) for name, content in zip(names, contents, strict=True)]


_ENGINE_DATE_FORMAT = "%a %b %d %H:%M:%S %Y"


def definitions_date(engine: str | None) -> datetime | None:
    """When the scanner's definitions were built, from its engine string as clamd's VERSION
    answers it (`ClamAV 1.4.3/27480/Mon Dec  7 09:24:01 2026`: the engine, the definitions'
    version, their date in C's `ctime` form). clamd prints the date without a zone, in its
    host's time: the scanner's hosts run on UTC. None when the string has no such date (an
    engine that names no definitions, a fake, no scanner)."""
    if not engine:
        return None
    fields = engine.split("/")
    if len(fields) < 3:
        return None
    try:
        found = datetime.strptime(" ".join(fields[-1].split()), _ENGINE_DATE_FORMAT)
    except ValueError:
        return None
    return found.replace(tzinfo=UTC)


def definitions_age_hours(engine: str | None, now: datetime) -> float | None:
    """How old the scanner's definitions are at `now`, in hours (`definitions_date`); None
    when the engine string does not say."""
    built = definitions_date(engine)
    if built is None:
        return None
    return max(0.0, (now - built).total_seconds() / 3600)


def zip_member_over(content: bytes, limit: int) -> bool:
    """Whether `content` is a zip archive with a member that unpacks, by its own account, to
    more than `limit` bytes. ClamAV 1.4 scans such a member only up to its `MaxFileSize`
    and says nothing (`AlertExceedsMax` does not cover it), so a part holding one cannot be
    called clean: it is unscanned. Anything that is no readable zip answers False (clamd
    judges it)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return any(info.file_size > limit for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        return False
