"""Ports of outgoing mail: the outbox (mail on its way), idempotency keys, uploads and the
suppression list."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from mailman.domain.messages import (
        DueMessage,
        OutgoingMail,
        SentConfirmation,
        SentRecord,
        Upload,
    )
    from mailman.domain.models import DeliveryStatus
    from mailman.domain.pagination import PageRequest
    from mailman.domain.suppressions import NewSuppression, Suppression, SuppressionFilter


class Outbox(Protocol):
    """Outgoing mail on its way: queued, claimed, handed off, failed, cancelled."""

    def claim(self, message_pk: UUID, at: datetime) -> OutgoingMail | None:
        """Move the message to `sending` if it is waiting and due, answering it; None when it
        is not (sent or being sent already, cancelled, rescheduled, unknown)."""
        ...

    def mark_recipients(self, message_pk: UUID, status: str, reasons: Mapping[str, str]) -> None:
        """Give each recipient (by address) of the message `status` and its reason."""
        ...

    def hand_back(self, message_pk: UUID, at: datetime) -> None:
        """Return a message the mail service asked to be tried later to `pending`."""
        ...

    def fail(
        self, message_pk: UUID, reason: str, *, sources: Sequence[DeliveryStatus]
    ) -> SentRecord | None:
        """Mark the message failed if it is in one of `sources`; None when it was not."""
        ...

    def record_sent(self, sent: SentConfirmation) -> SentRecord | None:
        """Mark the message sent with the mail service's id, and make the id the service
        gives the mail in its header another id of the message in the thread index. None for
        an unknown message or one that cannot be sent (cancelled, say); `newly` False when
        it was recorded already."""
        ...

    def record_built(self, message_pk: UUID, size_bytes: int, digests: Mapping[str, str]) -> None:
        """Record what the hand-off wrote: the message's size as sent, and the SHA-256 of each
        attachment (by storage key) stored without one (an upload, whose bytes the API never
        read)."""
        ...

    def record_sent_many(
        self, sent: Sequence[SentConfirmation]
    ) -> Callable[[], list[SentRecord | None]]:
        """`record_sent` for each, in order (one confirmed earlier in the list is a repeat
        for a later one of the same message), and answer a call that gives the records (as
        `SuppressionList.lookup` does: in a pipelined unit of work the statement travels
        with the next one that waits for its answer)."""
        ...

    def set_queued(self, message_pks: Sequence[UUID], at: datetime | None) -> None: ...

    def cancel(self, message_pk: UUID, at: datetime) -> SentRecord | None:
        """Cancel the message if it is still waiting (pending or scheduled); None if not."""
        ...

    def reschedule(
        self, message_pk: UUID, send_at: datetime | None, *, queued_at: datetime | None
    ) -> bool:
        """Move a waiting message's send time (None: now, Pending), with its queue mark;
        False when it is no longer waiting."""
        ...

    def due(self, at: datetime, *, horizon_seconds: int, limit: int) -> Sequence[DueMessage]:
        """(System scope.) Waiting mail due within the horizon and not queued lately, marked
        queued at `at`."""
        ...

    def unconfirmed(self, before: datetime, limit: int) -> Sequence[tuple[UUID, UUID]]:
        """(System scope.) (organisation, message) of hand-offs begun before `before` that
        no one confirmed."""
        ...


class IdempotencyKeys(Protocol):
    """The organisation's idempotency keys of sends: each names the request's hash and the
    message it made, for a window (`mailman.domain.sending.IDEMPOTENCY_WINDOW`)."""

    def claim(
        self, key: str, request_sha256: str, message_pk: UUID, at: datetime
    ) -> tuple[str, UUID | None] | None:
        """Take the key for a new message; None when taken, else the request hash and
        message of the live use of the key (a key older than the window is taken over).
        Blocks while another transaction holds the key."""
        ...

    def find(self, key: str, at: datetime) -> tuple[str, UUID | None] | None:
        """The request hash and message of the key's live use, if it has one."""
        ...

    def forget(self, before: datetime) -> int:
        """(System scope.) Drop keys created before `before`; answer how many."""
        ...


class Uploads(Protocol):
    """Files uploaded ahead of the mail that attaches them."""

    def add(self, upload: Upload) -> None: ...

    def live(self, upload_ids: Sequence[UUID], at: datetime) -> dict[UUID, Upload]:
        """The live (unexpired at `at`) uploads among `upload_ids`."""
        ...


class SuppressionList(Protocol):
    """The organisation's addresses no mail is sent to. Every address given is canonical
    (`mailman.domain.suppressions.canonical_address`)."""

    def find(self, addresses: Sequence[str]) -> dict[str, str]:
        """The suppressed addresses among `addresses`, each with why."""
        ...

    def lookup(self, addresses: Sequence[str]) -> Callable[[], dict[str, str]]:
        """Ask what `find` answers, and answer a call that gives it. In a pipelined unit of
        work the question travels with the next statement that waits for its answer, so a
        caller who makes the call after one pays no round trip for it."""
        ...

    def add(self, entries: Sequence[NewSuppression]) -> list[bool]:
        """Suppress each entry's address; True where it was not suppressed already (an
        address on the list stays as it was, with its first reason; an address named twice
        is added by its first entry)."""
        ...

    def submit(self, entries: Sequence[NewSuppression]) -> Callable[[], list[bool]]:
        """`add`, answering a call that gives what `add` answers (as `lookup` does): in a
        pipelined unit of work the caller may make the call once the transaction is over,
        and pay no round trip for it."""
        ...

    def get(self, address: str) -> Suppression | None: ...

    def remove(self, addresses: Sequence[str], at: datetime) -> list[bool]:
        """Take each address off the list (its entry kept, deleted at `at`, so it may be
        suppressed again later); True where it was on it (for an address named twice, the
        first time)."""
        ...

    def list(self, which: SuppressionFilter, page: PageRequest) -> list[Suppression]:
        """The entries `which` admits, oldest first (created_at, id) from after the page's
        cursor, one more than the page holds."""
        ...
