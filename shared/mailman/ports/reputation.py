"""Ports of sending reputation: the hourly delivery counts the stats and the brake read,
and the brake's pause of a domain's sending."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from mailman.domain.reputation import BrakeFigures, DeliveryCounts, HourlyCounts


class DeliveryCountRepository(Protocol):
    """Per inbox and hour, how many recipients reached each outcome."""

    def add(self, entries: Sequence[HourlyCounts]) -> None:
        """Add each entry's counts to its inbox's hour (a first entry for the hour starts it)."""
        ...

    def for_domain(
        self, domain_id: UUID, since: Sequence[datetime], until: datetime
    ) -> list[DeliveryCounts]:
        """The domain's counts (all its inboxes') over each window: the hours starting from
        one of `since` to `until`, both included; one answer per `since`, in its order."""
        ...

    def for_inbox(
        self, inbox_id: UUID, since: Sequence[datetime], until: datetime
    ) -> list[DeliveryCounts]:
        """The inbox's counts over each window, as `for_domain`."""
        ...


class SendingBrake(Protocol):
    """A domain's sending, paused and resumed."""

    def pause(self, domain_id: UUID, at: datetime, reason: str, figures: BrakeFigures) -> bool:
        """Pause the live domain's sending, unless it is paused already; whether this call
        paused it."""
        ...

    def resume(self, domain_id: UUID, at: datetime) -> bool:
        """Lift the live domain's pause (its reason and figures go; `at` becomes its last
        resume), and make the domain's waiting mail, which the outbound function held while
        it was paused, due to be queued again at once; False when it was not paused."""
        ...
