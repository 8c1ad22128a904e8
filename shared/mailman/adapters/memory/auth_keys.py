"""`InMemoryAuthKeyRepository`: the registered public keys that sign tokens."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from mailman.adapters.memory.rate_limits import InMemoryRateLimitRepository
from mailman.adapters.memory.tables import ScopedRepository, keyset_page
from mailman.domain.auth_keys import AuthKey, AuthKeyUse, NewAuthKey
from mailman.domain.errors import Conflict
from mailman.domain.models import Organization
from mailman.domain.pagination import PageRequest
from mailman.domain.ratelimit import RequestLimits, TokenRequest


def subject_bucket_id(organization_id: UUID, subject: str) -> UUID:
    """The bucket of a token's subject, as `subject_bucket_id` (migration 0017) names it."""
    digest = hashlib.md5(f"token:{organization_id}:{subject}".encode(), usedforsecurity=False)
    return UUID(digest.hexdigest())


class InMemoryAuthKeyRepository(ScopedRepository):
    def add(self, key: NewAuthKey) -> AuthKey:
        self._scope.check(key.organization_id)
        if self._live_of(key.organization_id, key.kid) is not None:
            raise Conflict("the organisation has a live key of this kid", field="kid")
        added = AuthKey(
            id=uuid.uuid4(),
            organization_id=key.organization_id,
            kid=key.kid,
            algorithm=key.algorithm,
            public_key_pem=key.public_key_pem,
            created_at=self._scope.stamp(),
        )
        self._tables.auth_keys[added.id] = added
        return added

    def get(self, key_id: UUID) -> AuthKey | None:
        found = self._tables.auth_keys.get(key_id)
        return found if found is not None and self._scope.sees(found.organization_id) else None

    def list(self, page: PageRequest) -> list[AuthKey]:
        keys = self._tables.auth_keys.values()
        visible = (k for k in keys if self._scope.sees(k.organization_id))
        return keyset_page(visible, page)

    def revoke(self, key_id: UUID, at: datetime) -> AuthKey | None:
        found = self.get(key_id)
        if found is None:
            return None
        revoked = found.model_copy(update={"revoked_at": found.revoked_at or at})
        self._tables.auth_keys[key_id] = revoked
        return revoked

    def find_live(self, organization_id: UUID, kid: str) -> AuthKey | None:
        if not self._scope.sees(organization_id) or not self._tables.live(organization_id):
            return None
        return self._live_of(organization_id, kid)

    def use(
        self,
        key_id: UUID,
        subject: str,
        addresses: Sequence[str],
        limits: RequestLimits,
        at: datetime,
    ) -> AuthKeyUse:
        key = self.get(key_id)
        if key is None or key.revoked_at is not None or not self._tables.live(key.organization_id):
            return AuthKeyUse(live=False)
        organization = self._tables.organizations[key.organization_id]
        if key.last_used_at is None or key.last_used_at < at - timedelta(minutes=1):
            self._tables.auth_keys[key.id] = key.model_copy(update={"last_used_at": at})
        request = TokenRequest(
            subject_bucket_id(organization.id, subject),
            organization.id,
            key_per_minute=limits.key_per_minute,
            organization_per_minute=(
                organization.rate_limit_per_minute or limits.organization_per_minute
            ),
            at=at,
        )
        return AuthKeyUse(
            live=True,
            inbox_ids=self._inboxes_of(organization, addresses),
            buckets=InMemoryRateLimitRepository(self._scope).take(request),
        )

    def _live_of(self, organization_id: UUID, kid: str) -> AuthKey | None:
        """The unique index `auth_keys_live_kid`'s row."""
        return next(
            (
                k
                for k in self._tables.auth_keys.values()
                if k.organization_id == organization_id and k.kid == kid and k.revoked_at is None
            ),
            None,
        )

    def _inboxes_of(self, organization: Organization, addresses: Sequence[str]) -> frozenset[UUID]:
        wanted = set(addresses)
        return frozenset(
            i.id
            for i in self._tables.inboxes.values()
            if i.organization_id == organization.id
            and self._tables.live(i.id)
            and i.address.lower() in wanted
        )
