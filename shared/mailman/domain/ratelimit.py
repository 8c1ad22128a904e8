"""Token bucket arithmetic for per-key rate limits (the bucket itself lives in the database)."""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_PER_MINUTE = 100


@dataclass(frozen=True)
class BucketState:
    """A bucket after one request took (or failed to take) a token.

    The bucket holds at most `capacity` tokens and refills at `per_second` tokens a second.
    """

    allowed: bool
    tokens: float
    capacity: float
    per_second: float

    @classmethod
    def for_limit(cls, per_minute: int, *, allowed: bool, tokens: float) -> BucketState:
        return cls(allowed=allowed, tokens=tokens, capacity=per_minute, per_second=per_minute / 60)

    @property
    def limit(self) -> int:
        return int(self.capacity)

    @property
    def remaining(self) -> int:
        return max(0, math.floor(self.tokens))

    @property
    def reset_seconds(self) -> int:
        """Seconds until the bucket is full again."""
        return max(0, math.ceil((self.capacity - self.tokens) / self.per_second))

    @property
    def retry_after_seconds(self) -> int:
        """Seconds until the next token; at least 1 when a request was refused."""
        return max(1, math.ceil((1 - self.tokens) / self.per_second))
