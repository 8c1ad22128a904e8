"""`InMemoryApiKeyRepository`: API keys by id and by hash."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from uuid import UUID

from mailman.adapters.memory.rate_limits import InMemoryRateLimitRepository
from mailman.adapters.memory.tables import ScopedRepository, keyset_page
from mailman.domain.api_keys import ApiKeyRecord
from mailman.domain.models import ApiKey, KeyHolder, KeyUse
from mailman.domain.pagination import PageRequest
from mailman.domain.ratelimit import RequestLimits, TokenRequest


class InMemoryApiKeyRepository(ScopedRepository):
    def add(self, record: ApiKeyRecord) -> ApiKey:
        self._scope.check(record.organization_id)
        key = ApiKey(
            id=uuid.uuid4(),
            organization_id=record.organization_id,
            name=record.name,
            prefix=record.prefix,
            rate_limit_per_minute=record.rate_limit_per_minute,
            scopes=record.scopes,
            inbox_ids=record.inbox_ids,
            created_at=self._scope.stamp(),
            expires_at=record.expires_at,
        )
        self._tables.api_keys[key.id] = key
        self._tables.key_hashes[record.key_hash] = key.id
        return key

    def get(self, key_id: UUID) -> ApiKey | None:
        found = self._tables.api_keys.get(key_id)
        return found if found is not None and self._scope.sees(found.organization_id) else None

    def use(self, key_hash: str, limits: RequestLimits, at: datetime) -> KeyUse | None:
        key_id = self._tables.key_hashes.get(key_hash)
        key = self.get(key_id) if key_id else None
        if key is None or not self._tables.live(key.organization_id):
            return None
        organization = self._tables.organizations[key.organization_id]
        holder = KeyHolder(key=key, organization=organization)
        if not key.is_active(at):
            return KeyUse(holder, None)
        self._touch(key, at)
        request = TokenRequest(
            key.id,
            organization.id,
            key_per_minute=key.rate_limit_per_minute or limits.key_per_minute,
            organization_per_minute=(
                organization.rate_limit_per_minute or limits.organization_per_minute
            ),
            at=at,
        )
        return KeyUse(holder, InMemoryRateLimitRepository(self._scope).take(request))

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

    def _touch(self, key: ApiKey, at: datetime) -> None:
        """Written only when the stored value is a minute old or more, as in PostgreSQL."""
        if key.last_used_at is None or key.last_used_at < at - timedelta(minutes=1):
            self._tables.api_keys[key.id] = key.model_copy(update={"last_used_at": at})
