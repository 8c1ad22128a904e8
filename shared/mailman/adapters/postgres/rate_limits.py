"""`PostgresRateLimitRepository`: the token buckets of failed authentications per source
address, kept in the database so that they hold across Lambda instances. (A key's bucket and
its organisation's are taken with the key: `PostgresApiKeyRepository.use`.)"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import LiteralString

from mailman.adapters.postgres.database import Connection
from mailman.domain.ratelimit import BucketState


class PostgresRateLimitRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def take_failure(self, source: str, *, per_minute: int, at: datetime) -> BucketState:
        # One statement: refill by the time elapsed, then take a token if one is there. The
        # conflict branch only fires (and only writes) when a token is available, so a refused
        # request leaves the bucket as it was. It also forgets a few other addresses whose
        # buckets have long been full again, so the table holds only recent failures.
        params = {
            "source": source,
            "capacity": per_minute,
            "rate": per_minute / 60,
            "at": at,
            "stale": at - timedelta(minutes=10),
        }
        taken = self._conn.execute(
            "WITH forgotten AS ("
            "  DELETE FROM auth_failure_buckets WHERE source IN ("
            "    SELECT source FROM auth_failure_buckets "
            "    WHERE refilled_at < %(stale)s AND source <> %(source)s "
            "    LIMIT 10 FOR UPDATE SKIP LOCKED)) "
            "INSERT INTO auth_failure_buckets AS b (source, tokens, refilled_at) "
            "VALUES (%(source)s, %(capacity)s - 1, %(at)s) "
            "ON CONFLICT (source) DO UPDATE SET "
            f"  tokens = {_REFILLED} - 1, "
            "  refilled_at = GREATEST(b.refilled_at, %(at)s) "
            f"WHERE {_REFILLED} >= 1 "
            "RETURNING tokens",
            params,
        ).fetchone()
        if taken is not None:
            return BucketState.for_limit(per_minute, allowed=True, tokens=taken["tokens"])
        current = self._conn.execute(
            f"SELECT {_REFILLED}::double precision AS tokens "
            "FROM auth_failure_buckets b WHERE source = %(source)s",
            params,
        ).fetchone()
        tokens = current["tokens"] if current else 0.0
        return BucketState.for_limit(per_minute, allowed=False, tokens=tokens)


_REFILLED: LiteralString = (
    "LEAST(%(capacity)s, b.tokens "
    "+ GREATEST(0, EXTRACT(EPOCH FROM (%(at)s - b.refilled_at))) * %(rate)s)"
)
"""A bucket's tokens at `at`: what it held, refilled since, up to its capacity."""
