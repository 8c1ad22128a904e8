"""`InMemoryApiKeyRepository`: API keys by id and by hash."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from uuid import UUID

from mailman.adapters.memory.tables import ScopedRepository, keyset_page
from mailman.domain.api_keys import ApiKeyRecord
from mailman.domain.models import ApiKey, KeyHolder
from mailman.domain.pagination import PageRequest


class InMemoryApiKeyRepository(ScopedRepository):
    def add(self, record: ApiKeyRecord) -> ApiKey:
        self._scope.check(record.organization_id)
        key = ApiKey(
            id=uuid.uuid4(),
            organization_id=record.organization_id,
            name=record.name,
            prefix=record.prefix,
            rate_limit_per_minute=record.rate_limit_per_minute,
            created_at=self._scope.stamp(),
            expires_at=record.expires_at,
        )
        self._tables.api_keys[key.id] = key
        self._tables.key_hashes[record.key_hash] = key.id
        return key

    def get(self, key_id: UUID) -> ApiKey | None:
        found = self._tables.api_keys.get(key_id)
        return found if found is not None and self._scope.sees(found.organization_id) else None

    def find_by_hash(self, key_hash: str) -> KeyHolder | None:
        key_id = self._tables.key_hashes.get(key_hash)
        key = self.get(key_id) if key_id else None
        if key is None or not self._tables.live(key.organization_id):
            return None
        return KeyHolder(key=key, organization=self._tables.organizations[key.organization_id])

    def list(self, page: PageRequest) -> list[ApiKey]:
        visible = (k for k in self._tables.api_keys.values() if self.get(k.id) is not None)
        return keyset_page(visible, page)

    def count_live(self, organization_id: UUID, at: datetime) -> int:
        return sum(
            1
            for k in self._tables.api_keys.values()
            if k.organization_id == organization_id and self.get(k.id) and k.is_active(at)
        )

    def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None:
        found = self.get(key_id)
        if found is None:
            return None
        revoked = found.model_copy(update={"revoked_at": found.revoked_at or at})
        self._tables.api_keys[key_id] = revoked
        return revoked

    def revoke_all(self, organization_id: UUID, at: datetime) -> int:
        live = [
            k
            for k in self._tables.api_keys.values()
            if k.organization_id == organization_id and self.get(k.id) and k.revoked_at is None
        ]
        for key in live:
            self.revoke(key.id, at)
        return len(live)

    def touch(self, key_id: UUID, at: datetime) -> None:
        """Written only when the stored value is a minute old or more, as in PostgreSQL."""
        found = self.get(key_id)
        if found is not None and (
            found.last_used_at is None or found.last_used_at < at - timedelta(minutes=1)
        ):
            self._tables.api_keys[key_id] = found.model_copy(update={"last_used_at": at})
