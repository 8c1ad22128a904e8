"""The virus scanner's port: ClamAV's clamd in every deployed stage and on `make dev`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mailman.domain.scanning import ScanPart, ScanReport


class Scanner(Protocol):
    def scan(self, parts: Sequence[ScanPart], deadline: float | None = None) -> ScanReport:
        """Scan every part and judge them together (`mailman.domain.scanning.judge`).

        Raises `ScannerUnavailable` when any part could not be scanned for the scanner's
        sake (down, refused, timed out, an error answered), or not before `deadline` (a
        `time.monotonic()` instant: no wait runs past it): the message is then not judged
        at all. A part over the scanner's limits is not an error: it is `unscanned`."""
        ...
