"""Scanning received mail before it is stored: its raw form and each decoded attachment
through the `Scanner` port, and what a scanner that is down means for the mail."""

from __future__ import annotations

import time
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
    deadline: float | None = None
    """A `time.monotonic()` instant past which no scan starts or waits: the invocation's
    end less what storing the batch needs. A mail not scanned by then waits for the queue
    like one the scanner could not take, so a slow scanner cannot run the function past its
    timeout (which would fail the whole batch, and past the queue's receives send every mail
    of it to the dead-letter queue rather than to `scan_failed`)."""

    def report(
        self, raw: bytes, attachments: Sequence[tuple[str | None, bytes]], attempt: int
    ) -> ScanReport:
        """What the scanner says of the message. A scanner that is down raises
        `ScannerUnavailable` (the mail waits for the queue to bring it again), except on the
        receive that reaches the bound, which answers `FAILED`: the mail is stored, visible
        and quarantined, rather than left to the dead-letter queue."""
        try:
            if self.deadline is not None and time.monotonic() >= self.deadline:
                raise ScannerUnavailable("no time left in this invocation to scan it")
            return self.scanner.scan(scan_parts(raw, attachments), self.deadline)
        except ScannerUnavailable:
            if attempt < self.attempts:
                raise
            return FAILED
