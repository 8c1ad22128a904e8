"""Delivery tracking's store: each SES event's history rows, the recipients' states it
decides, and the message's summary (the hourly counts are reputation's port)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from mailman.domain.delivery import SesEvent
from mailman.domain.models import DeliveryStatus
from mailman.domain.tracking import Recorded, TrackedMessage


class DeliveryTracking(Protocol):
    """What SES reported of the organisation's outgoing messages, recipient by recipient."""

    def locate(self, ses_message_id: str) -> TrackedMessage | None:
        """(System scope.) The message SES gave this id, whichever organisation's it is."""
        ...

    def lock(self, message_pk: UUID) -> None:
        """Hold the message against other events' recording until the transaction ends, so
        that two events of one message, recorded at once, summarise each other's changes.
        Called before anything else reads or writes the message; answers nothing, so a
        pipelined unit of work does not wait for it."""
        ...

    def record(self, organization_id: UUID, message_pk: UUID, event: SesEvent) -> Recorded:
        """Store the event once per address it names (its addresses canonical and each
        named once), and for each address not stored for this event before: decide the
        recipient's state (`mailman.domain.delivery.decider` and `decides`), keep the
        outcome's first time, the details of the bounce that weighs most (as `decider`
        weighs bounces: a hard one over a soft one, then the later, then the greater id),
        the deciding complaint's feedback type and the latest delay (of two at one instant,
        the greater details). A recipient left out as suppressed keeps its state. Answers
        what changed and the message as it then stands."""
        ...

    def soft_bounces(
        self, organization_id: UUID, addresses: Sequence[str], since: datetime, until: datetime
    ) -> dict[str, list[tuple[UUID, datetime]]]:
        """Each address's soft (not Permanent) bounces stored between `since` and `until`,
        on any of the organisation's messages: (message, time) pairs."""
        ...

    def settle(self, message_pk: UUID, status: DeliveryStatus) -> None:
        """Give the message `status` (its recipients' summary)."""
        ...
