"""Scanning received mail before it is stored: its raw form and each decoded attachment
through the `Scanner` port, and what a scanner that is down means for the mail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailman.domain.scanning import FAILED, ScannerUnavailable, ScanReport, scan_parts
from mailman.ports import Scanner


@dataclass(frozen=True)
class Scanning:
    """The scanner, and the receives of one mail it may fail (`Settings.scan_attempts`)
    before the mail is stored quarantined as `scan_failed` rather than waiting again."""

    scanner: Scanner
    attempts: int

    def report(
        self, raw: bytes, attachments: Sequence[tuple[str | None, bytes]], attempt: int
    ) -> ScanReport:
        """What the scanner says of the message. A scanner that is down raises
        `ScannerUnavailable` (the mail waits for the queue to bring it again), except on the
        receive that reaches the bound, which answers `FAILED`: the mail is stored, visible
        and quarantined, rather than left to the dead-letter queue."""
        try:
            return self.scanner.scan(scan_parts(raw, attachments))
        except ScannerUnavailable:
            if attempt < self.attempts:
                raise
            return FAILED
