"""What thread resolution knows of an inbox's conversations: the `ThreadIndex` it reads and
writes (`mailman.thread_resolution`), and the values that cross it.

The protocol lives in the domain because thread resolution depends on the domain only;
`mailman.ports` re-exports it beside the other ports, and the adapters implement it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ThreadLink:
    """Where a message id of an inbox belongs.

    `seen` is True when a stored message carries the id, False for a phantom:
    an id that stored messages reference but no stored message carries yet.
    """

    thread_id: UUID
    seen: bool


@dataclass(frozen=True, slots=True)
class SubjectActivity:
    """A thread of an inbox that carried a subject key, from `first_at` to `last_at`."""

    thread_id: UUID
    first_at: datetime
    last_at: datetime
    participants: frozenset[str]
    """Every sender, recipient and list of the thread's messages, the inbox's own address aside."""
    awaiting_parent: bool
    """The thread's top is a header-less reply whose conversation was not found yet."""


@dataclass(frozen=True, slots=True)
class ContextQuery:
    """What threading asks the index about one message
    (`mailman.thread_resolution.context_query`)."""

    inbox_id: UUID
    message_ids: tuple[str, ...]
    subject_keys: tuple[str, ...]
    """Asked only when a rule can use the answer; then `window` is given."""
    window: tuple[datetime, datetime] | None


@dataclass(frozen=True, slots=True)
class ThreadContext:
    """The index as one message's threading sees it (`ThreadIndex.contexts`)."""

    links: dict[str, ThreadLink]
    activity: dict[str, list[SubjectActivity]]
    """Every subject key asked for, in the order asked, with its overlapping threads."""


@dataclass(frozen=True, slots=True)
class ThreadIds:
    """A message's ids, recorded in its thread (`ThreadIndex.add_ids`)."""

    inbox_id: UUID
    thread_id: UUID
    seen: Sequence[str]
    """Ids a stored message of the thread carries."""
    referenced: Sequence[str]
    """Ids it names; those not known yet become phantoms of the thread."""


@dataclass(frozen=True, slots=True)
class ThreadActivity:
    """A message's participants, flags and subject keys, added to its thread
    (`ThreadIndex.add_activity`)."""

    inbox_id: UUID
    thread_id: UUID
    subject_keys: Sequence[str]
    at: datetime | None
    """The message's Date: each subject key's range widens to include it (None: no change)."""
    participants: Collection[str]
    starts_conversation: bool
    """The message is no reply at all: the thread becomes `rooted`."""
    awaits_parent: bool
    """A header-less reply whose conversation was not found: the thread becomes `loose`."""


class ThreadIndex(Protocol):
    """What threading knows of an inbox's conversations (see `mailman.thread_resolution`).

    Per inbox: message id -> thread for every id a message carries or
    references (phantom rows for referenced, unseen ids); subject key -> thread
    with the first and last Date it was seen; per thread its participants and
    two flags: `rooted` (it holds a message that is no reply at all) and
    `loose` (it holds a header-less reply whose conversation was not found).
    A thread awaits a parent when it is loose and not rooted.
    """

    def lock(self, inbox_id: UUID) -> None:
        """Serialise threading in this inbox until the current transaction ends."""
        ...

    def links(self, inbox_id: UUID, message_ids: Sequence[str]) -> dict[str, ThreadLink]:
        """The known ids among `message_ids` (stored or phantom), each with its thread."""
        ...

    def contexts(self, queries: Sequence[ContextQuery]) -> list[ThreadContext]:
        """What threading reads for each message, all at once: the links of its ids and, per
        subject key, the threads whose [first_at, last_at] for it overlaps its window."""
        ...

    def create_thread(self, inbox_id: UUID, thread_id: UUID) -> None: ...

    def merge_threads(self, inbox_id: UUID, into: UUID, others: Collection[UUID]) -> None:
        """Move every id, subject key and participant of `others` to `into` and drop
        `others`; `into` becomes rooted or loose if any of them was."""
        ...

    def adopt_threads(self, inbox_id: UUID, into: UUID, others: Collection[UUID]) -> None:
        """Like `merge_threads`, but the adopted threads' parent is found: `into` keeps
        its own flags."""
        ...

    def add_ids(self, ids: ThreadIds) -> None:
        """Record the `seen` ids as carried by a stored message of the thread (a phantom row
        becomes seen), and the `referenced` ids not known yet as phantoms of the thread."""
        ...

    def add_activity(self, activity: ThreadActivity) -> None:
        """Add a message's participants and flags to the thread (`rooted` if it starts a
        conversation, `loose` if it awaits a parent) and, when `at` is given, widen each
        subject key's [first_at, last_at] to include it."""
        ...
