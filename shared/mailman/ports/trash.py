"""The trash: moving mail in and out of it, and erasing it for good."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from mailman.domain.trash import ErasureTarget, MessagePlace, ThreadPlace


class TrashRepository(Protocol):
    """In a tenant's unit of work it sees the caller's messages; in the system's, every
    organisation's (what the dispatcher erases, and which objects are still used)."""

    def place(self, message_id: UUID) -> MessagePlace | None:
        """Where the message is (trash included); None when it is not there to see."""
        ...

    def thread_place(self, thread_id: UUID) -> ThreadPlace | None:
        """The thread (not merged into another) and its messages' places."""
        ...

    def move_to_trash(self, message_ids: Collection[UUID], at: datetime) -> None:
        """Move the messages not in trash yet there: `deleted_at` = `at`, `restore_folder` =
        the folder they were in."""
        ...

    def restore(self, moves: Mapping[UUID, str]) -> None:
        """Move each message out of trash into its folder, clearing `deleted_at` and
        `restore_folder`."""
        ...

    def existing_folders(self, inbox_id: UUID, candidates: Collection[str]) -> set[str]:
        """Those of `candidates` (a custom folder's id as text) that are live folders of
        the inbox."""
        ...

    def mark_for_erasure(self, message_ids: Collection[UUID], at: datetime) -> None:
        """Mark the messages (in trash, not marked yet) for erasure."""
        ...

    def mark_trash(self, inbox_id: UUID, at: datetime) -> int:
        """Mark every message of the inbox's trash not marked yet; answer how many."""
        ...

    def mark_expired(self, at: datetime, limit: int) -> int:
        """Mark the trash older than its inbox's `trash_retention_days` at `at`: the oldest,
        at most `limit` of it (a run marks no more than it can erase)."""
        ...

    def marked(
        self, limit: int, *, inbox_id: UUID | None = None, ids: Collection[UUID] | None = None
    ) -> Sequence[ErasureTarget]:
        """Messages marked for erasure (of the inbox; among `ids`), oldest mark first."""
        ...

    def count_marked(self, inbox_id: UUID) -> int: ...

    def still_used(self, keys: Collection[str], erasing: Collection[UUID]) -> set[str]:
        """The keys a message not among `erasing` and not marked for erasure names as its raw
        form or an attachment (of any organisation: read in the system's unit of work)."""
        ...

    def erase(self, targets: Sequence[ErasureTarget]) -> None:
        """Delete the messages' rows (recipients, attachments, delivery events with them);
        their ids stay in the thread index (`message_references`, no longer pointing at a
        row), so later replies still thread."""
        ...
