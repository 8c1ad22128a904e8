"""Stand-ins for the webhook services' outside world, for the unit and the integration tests:
a secret box whose seal is not the secret, a resolver answering from a table, and a publish
that records what it was handed."""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Sequence
from uuid import UUID

from mailman.domain.errors import DeliveryError
from mailman.domain.webhook_targets import IPAddress


class ReversingBox:
    """Seals a secret by reversing and encoding it (no cipher, but never the secret's own
    bytes), and opens only what it sealed."""

    PREFIX = b"reversed:"

    def seal(self, secret: str) -> bytes:
        return self.PREFIX + base64.b64encode(secret[::-1].encode())

    def open(self, sealed: bytes) -> str:
        if not sealed.startswith(self.PREFIX):
            raise ValueError("not sealed by this box")
        return base64.b64decode(sealed.removeprefix(self.PREFIX)).decode()[::-1]


class TableResolver:
    """Answers each host's addresses from a table; OSError for a host it does not hold."""

    def __init__(self, table: dict[str, Sequence[str]] | None = None) -> None:
        self.table = dict(table or {})
        self.asked: list[tuple[str, int]] = []

    def addresses(self, host: str, port: int) -> list[IPAddress]:
        self.asked.append((host, port))
        if host not in self.table:
            raise OSError(f"{host} does not resolve")
        return [ipaddress.ip_address(a) for a in self.table[host]]


PUBLIC_HOSTS = {
    "hooks.customer.example": ["93.184.215.14"],
    "dual.customer.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "internal.customer.example": ["10.0.0.7"],
    "sneaky.customer.example": ["93.184.215.14", "127.0.0.1"],
    "metadata.customer.example": ["169.254.169.254"],
}


class RecordingPublish:
    """Keeps every list of deliveries it is handed; fails when told to."""

    def __init__(self, *, fail: bool = False) -> None:
        self.handed: list[list[UUID]] = []
        self.fail = fail

    def __call__(self, delivery_ids: Sequence[UUID]) -> None:
        self.handed.append(list(delivery_ids))
        if self.fail:
            raise DeliveryError("the queue refused the work")
