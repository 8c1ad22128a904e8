"""`Principal`: who a request acts as, and the rate limit it was held to."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from mailman.domain.access import Caller
from mailman.domain.ratelimit import BucketState


@dataclass(frozen=True)
class Principal:
    caller: Caller
    bucket: BucketState
    """Of the credential's bucket and its organisation's, the one the answer describes
    (`binding_bucket`); `allowed` says whether the request may go on."""

    @property
    def organization_id(self) -> UUID:
        return self.caller.organization_id
