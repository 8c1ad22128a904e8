"""Trash, restore and erasure: where restored mail goes, what an erasure removes from
storage, and how much of it is done at once.

Trash is the soft delete of the design: a message moved there keeps its row (readable by id)
with `deleted_at` and the folder it came from (`restore_folder`). Erasure is separate: it
removes the message's rows and every stored object no remaining message still uses.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mailman.domain.folders import SystemFolder
from mailman.domain.inbound import sha256_hex

ERASE_AT_ONCE = 100
"""Messages a request erases itself; the rest are marked and erased by the dispatcher."""
ERASE_CHUNK = 100
"""Messages the dispatcher erases in one transaction."""
ERASE_CHUNKS_PER_RUN = 20
"""Chunks one dispatcher run erases at most (it runs once a minute)."""
ERASE_SECONDS_PER_RUN = 20
"""A dispatcher run starts no chunk after this long (its timeout is 50 seconds, and each
message costs an S3 listing): what is left waits for the next minute."""

_SYSTEM = frozenset(SystemFolder) - {SystemFolder.STARRED, SystemFolder.TRASH}


def restore_target(
    restore_folder: str | None, *, outgoing: bool, existing: Collection[str] = ()
) -> str:
    """Where restored mail goes: the folder it was in when trashed, when that is a system
    folder or a custom folder still in `existing`; else (the folder was deleted since, or
    nothing was remembered) `sent` for mail sent and `inbox` for mail received."""
    if restore_folder is not None and (restore_folder in _SYSTEM or restore_folder in existing):
        return restore_folder
    return SystemFolder.SENT if outgoing else SystemFolder.INBOX


def object_prefix(message_id: str, created_at: datetime) -> str:
    """The prefix every object stored beside a message sits under (its attachments, and the
    whole bodies `part_link` writes): `attachment_key`'s folder of the message."""
    return f"attachments/{created_at:%Y/%m/%d}/{sha256_hex(message_id)}/"


@dataclass(frozen=True)
class ErasureTarget:
    """A message marked for erasure, with what of it lives in storage."""

    id: UUID
    organization_id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    message_id: str
    created_at: datetime
    raw_storage_key: str | None
    attachment_keys: tuple[str, ...] = ()

    @property
    def prefix(self) -> str:
        return object_prefix(self.message_id, self.created_at)

    @property
    def keys(self) -> tuple[str, ...]:
        """The objects the rows name (the prefix may hold more: the bodies written whole)."""
        raw = (self.raw_storage_key,) if self.raw_storage_key else ()
        return raw + self.attachment_keys


def removable(candidates: Iterable[str], still_used: Collection[str]) -> list[str]:
    """The candidate objects no remaining message names (as its raw form or an attachment),
    each once, sorted. A whole body `part_link` wrote is named by no row: it goes with the
    message; should a message with the same Message-ID stored the same day remain, its own
    is written again the next time it is asked for."""
    return sorted({k for k in candidates if k not in still_used})


@dataclass(frozen=True)
class MessagePlace:
    """Where a message is, as trash and restore read it."""

    id: UUID
    organization_id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    folder: str
    restore_folder: str | None
    outgoing: bool
    waiting: bool
    """Outgoing mail not yet handed to SES for good (scheduled, pending, sending): it is
    cancelled, not trashed."""
    erasing: bool
    """Marked for erasure (`erase_requested_at`): it can no longer be restored."""

    @property
    def in_trash(self) -> bool:
        return self.folder == SystemFolder.TRASH


@dataclass(frozen=True)
class ThreadPlace:
    """A thread and where each of its messages is."""

    id: UUID
    inbox_id: UUID
    deleted: bool
    messages: tuple[MessagePlace, ...]


@dataclass(frozen=True)
class Emptied:
    """What emptying the trash did: messages erased now, and marked for the dispatcher."""

    erased: int
    pending: int


@dataclass(frozen=True)
class ErasureRun:
    """What a dispatcher run erased: marked (by retention) and erased messages."""

    expired: int = 0
    erased: int = 0
    objects: int = 0
