"""The local platform's own DNS zone: a JSON file of records, served by `local.dns_server`."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from mailman.domain.dns_records import DnsRecord


@dataclass(frozen=True)
class ZoneRecord:
    name: str
    type: str
    data: str
    """As the resolver answers it: "10 host." for MX, "host." for CNAME, the text for TXT."""

    @classmethod
    def of(cls, record: DnsRecord) -> ZoneRecord:
        data = record.value if record.type == "TXT" else record.rdata
        return cls(record.name.lower(), record.type, data)


class LocalZone:
    """Records kept in `path`; safe to share between threads and processes (file per write)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def records(self) -> list[ZoneRecord]:
        if not self.path.exists():
            return []
        return [ZoneRecord(**r) for r in json.loads(self.path.read_text())]

    def _write(self, records: list[ZoneRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps([asdict(r) for r in records], indent=2) + "\n")
        temporary.replace(self.path)

    def publish(self, domain: str, records: Iterable[DnsRecord]) -> list[ZoneRecord]:
        """Replace whatever the zone held under `domain` with `records`."""
        published = [ZoneRecord.of(r) for r in records]
        with self._lock:
            kept = [r for r in self.records() if not _under(r.name, domain)]
            self._write(kept + published)
        return published

    def unpublish(self, domain: str) -> int:
        """Remove every record under `domain`; answer how many there were (none: the zone is
        left as it is, its file not even made)."""
        with self._lock:
            records = self.records()
            kept = [r for r in records if not _under(r.name, domain)]
            if len(kept) < len(records):
                self._write(kept)
        return len(records) - len(kept)

    def answers(self, name: str, rtype: str) -> list[str] | None:
        """The data of `name`'s `rtype` records; None when the name has no records at all."""
        wanted = name.lower().rstrip(".")
        at_name = [r for r in self.records() if r.name == wanted]
        if not at_name:
            return None
        return [r.data for r in at_name if r.type == rtype]


def _under(name: str, domain: str) -> bool:
    return name == domain or name.endswith("." + domain)
