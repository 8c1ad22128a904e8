"""Delivery tracking's store: each SES event's history rows, the recipients' states it
decides, and the message's summary (the hourly counts are reputation's port)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from mailman.domain.delivery import SesEvent
    from mailman.domain.models import DeliveryStatus
    from mailman.domain.tracking import Recorded, TrackedMessage


class DeliveryTracking(Protocol):
    """What SES reported of the organisation's outgoing messages, recipient by recipient."""

    def locate(self, ses_message_ids: Sequence[str]) -> dict[str, TrackedMessage]:
        """(System scope.) The messages SES gave these ids, whichever organisation's they
        are, by SES's id (an id no message has is left out)."""
        ...

    def lock(self, message_pks: Sequence[UUID]) -> None:
        """Hold the messages against other batches' recording until the transaction ends, so
        that two events of one message, recorded at once, summarise each other's changes;
        taken in the order of their ids, so two batches naming the same messages never wait
        for each other in a circle. Called before anything else reads or writes them;
        answers nothing, so a pipelined unit of work does not wait for it."""
        ...

    def record(
        self, organization_id: UUID, events: Sequence[tuple[UUID, SesEvent]]
    ) -> list[Recorded | None]:
        """Store each event (of the message named beside it) once per address it names (its
        addresses canonical and each named once), and for each address not stored for this
        event before: move the recipient as `mailman.domain.tracking.track_event` does (the
        state the heaviest event decides, each outcome's first time, the heaviest bounce's
        details, the deciding complaint's feedback type, the latest delay). A recipient left
        out as suppressed keeps its state. The events are applied in their order, each
        seeing the ones before it, so a batch ends where recording them one by one ends.
        Answers, per event, what changed and the message as it then stands; None for an
        event whose message SES does not have under the event's id (unknown, not handed
        off, or handed off under another id), which stores nothing."""
        ...

    def soft_bounces(
        self, organization_id: UUID, addresses: Sequence[str], since: datetime, until: datetime
    ) -> dict[str, list[tuple[UUID, datetime]]]:
        """Each address's soft (not Permanent) bounces stored between `since` and `until`,
        on any of the organisation's messages not delivered to the address (an automatic
        reply is reported as a soft bounce): (message, time) pairs. Each address is locked
        first, to the end of the transaction, so two transactions soft-bouncing one address
        read its streak one after the other."""
        ...

    def settle(self, statuses: Mapping[UUID, DeliveryStatus]) -> None:
        """Give each message its status (its recipients' summary)."""
        ...
