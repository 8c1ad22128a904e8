"""`InMemoryRateLimitRepository`: token buckets per key, per organisation and per source of
failed authentications, refilled lazily as `take_request_token` (migration 0012) does."""

from __future__ import annotations

from datetime import datetime

from mailman.adapters.memory.tables import Bucket, ScopedRepository
from mailman.domain.ratelimit import BucketState, TokenRequest


class InMemoryRateLimitRepository(ScopedRepository):
    def _tokens(self, name: tuple[str, object], per_minute: int, at: datetime) -> float:
        """The bucket's tokens at `at`: what it held, refilled since, up to its capacity (a
        clock behind its last refill adds none)."""
        bucket = self._tables.buckets.setdefault(name, Bucket(per_minute, at))
        elapsed = max(0.0, (at - bucket.refilled_at).total_seconds())
        return min(per_minute, bucket.tokens + elapsed * per_minute / 60)

    def _take(self, name: tuple[str, object], tokens: float, at: datetime) -> float:
        bucket = self._tables.buckets[name]
        bucket.tokens, bucket.refilled_at = tokens - 1, max(bucket.refilled_at, at)
        return bucket.tokens

    def take(self, request: TokenRequest) -> tuple[BucketState, BucketState]:
        """A key's token and its organisation's, or neither (`InMemoryApiKeyRepository.use`)."""
        key, organization = ("key", request.key_id), ("organization", request.organization_id)
        at = request.at
        organization_tokens = self._tokens(organization, request.organization_per_minute, at)
        key_tokens = self._tokens(key, request.key_per_minute, at)
        allowed = organization_tokens >= 1 and key_tokens >= 1
        if allowed:
            organization_tokens = self._take(organization, organization_tokens, at)
            key_tokens = self._take(key, key_tokens, at)
        return (
            BucketState.for_limit(request.key_per_minute, allowed=allowed, tokens=key_tokens),
            BucketState.for_limit(
                request.organization_per_minute, allowed=allowed, tokens=organization_tokens
            ),
        )

    def take_failure(self, source: str, *, per_minute: int, at: datetime) -> BucketState:
        name = ("failure", source)
        tokens = self._tokens(name, per_minute, at)
        if tokens < 1:
            return BucketState.for_limit(per_minute, allowed=False, tokens=tokens)
        return BucketState.for_limit(per_minute, allowed=True, tokens=self._take(name, tokens, at))
