"""`FakeScanner`: the `Scanner` port for unit tests, finding the signatures it is given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mailman.domain.scanning import (
    PartOutcome,
    PartResult,
    ScannerUnavailable,
    ScanPart,
    ScanReport,
    judge,
)

ENGINE = "FakeScanner 1/1"


class FakeScanner:
    """Finds `signatures` (bytes -> name) in any part; parts over `max_bytes` are unscanned.
    `down` makes every scan raise `ScannerUnavailable`, `down_for` the scans of messages whose
    raw form holds one of its markers (a scanner timing out on one mail of a batch);
    `scanned` records what was asked."""

    def __init__(self, signatures: Mapping[bytes, str] | None = None, *, max_bytes: int = 1 << 30):
        self.signatures = dict(signatures or {})
        self.max_bytes = max_bytes
        self.down = False
        self.down_for: list[bytes] = []
        self.scanned: list[list[ScanPart]] = []

    def scan(self, parts: Sequence[ScanPart], deadline: float | None = None) -> ScanReport:
        if self.down or any(marker in parts[0].content for marker in self.down_for):
            raise ScannerUnavailable("the fake scanner is down")
        self.scanned.append(list(parts))
        return judge([self._part(part) for part in parts], ENGINE)

    def _part(self, part: ScanPart) -> PartResult:
        if len(part.content) > self.max_bytes:
            return PartResult(part.name, PartOutcome.UNSCANNED)
        for pattern, name in self.signatures.items():
            if pattern in part.content:
                return PartResult(part.name, PartOutcome.INFECTED, name)
        return PartResult(part.name, PartOutcome.CLEAN)
