"""`InMemoryIdempotencyKeys`: each Idempotency-Key's live use, for a day."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import KeyUse, ScopedRepository
from mailman.domain.sending import IDEMPOTENCY_WINDOW


class InMemoryIdempotencyKeys(ScopedRepository):
    def _organization(self) -> UUID:
        assert self._scope.organization_id is not None, "keys are an organisation's"
        return self._scope.organization_id

    def claim(
        self, key: str, request_sha256: str, message_pk: UUID, at: datetime
    ) -> tuple[str, UUID | None] | None:
        """A key older than the window is taken over."""
        earlier = self.find(key, at)
        if earlier is not None:
            return earlier
        self._tables.idempotency_keys[self._organization(), key] = KeyUse(
            request_sha256, message_pk, at
        )
        return None

    def find(self, key: str, at: datetime) -> tuple[str, UUID | None] | None:
        found = self._tables.idempotency_keys.get((self._organization(), key))
        if found is None or found.created_at < at - IDEMPOTENCY_WINDOW:
            return None
        return found.request_sha256, found.message_pk

    def forget(self, before: datetime) -> int:
        keys = self._tables.idempotency_keys
        old = [
            name
            for name, use in keys.items()
            if use.created_at < before and self._scope.sees(name[0])
        ]
        for name in old:
            del keys[name]
        return len(old)
