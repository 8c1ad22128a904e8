"""What the mailbox's state reads and writes beyond `folders.py`'s rules: custom folders, the
counts shown beside folders and labels, a listing's filters as facets, and what a change
did to each message or thread it named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from mailman.domain.folders import SystemFolder, SystemLabel, folder_facet

MAX_FOLDER_LENGTH = 64
"""A folder as a change or a listing names it (and `messages.folder` holds it): a system
folder's name or a custom folder's id."""


@dataclass(frozen=True)
class CustomFolder:
    """A folder an inbox's owner made; its messages hold its id (as text) in their folder."""

    id: UUID
    inbox_id: UUID
    name: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Count:
    """A facet's messages, and how many of them are unread (`mailbox_counts`)."""

    total: int = 0
    unread: int = 0


NO_COUNT = Count()


@dataclass(frozen=True)
class FolderCount:
    """A folder as `GET /inboxes/{id}/folders` shows it: a system folder's id is its name."""

    id: str
    name: str
    system: bool
    total: int
    unread: int
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class LabelCount:
    name: str
    system: bool
    total: int
    unread: int


@dataclass(frozen=True)
class Marked:
    """A message (or thread) a change found, with its inbox and the most labels any of its
    messages holds after the change (a change must not carry one past the limit)."""

    id: UUID
    inbox_id: UUID
    label_count: int
    thread_id: UUID | None
    """The thread it is in (a thread's own id when a thread was changed)."""
    waiting: bool = False
    """Mail of it is still to be sent (scheduled, pending, sending): it may not go to trash."""


class BatchResult(StrEnum):
    UPDATED = "updated"
    NOT_FOUND = "not_found"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


def label_facet(label: str) -> str:
    """The facet a label lists: the flags' for `unread` and `starred`, a folder's for a
    system folder's name (a message's folder is among its labels), else `label:<label>`."""
    if label == SystemLabel.UNREAD:
        return "is:unread"
    if label in set(SystemFolder):
        return folder_facet(label)
    return f"label:{label}"


@dataclass(frozen=True)
class MailboxFilter:
    """What a listing is narrowed to. `folder` is a system folder's name or a custom
    folder's id (already checked to be the inbox's); the flags are asked both ways (True:
    with it, False: without it). Of a thread list, every filter but `folder` reads mail
    outside trash and spam: the facets trash and spam carry are their folder's only."""

    folder: str | None = None
    label: str | None = None
    unread: bool | None = None
    starred: bool | None = None
    has_attachment: bool | None = None
    direction: Direction | None = None
    from_address: str | None = None

    def driving_facet(self) -> str:
        """The facet whose rows a thread list walks: the folder's, else the label's, else
        `all` (mail outside trash and spam)."""
        if self.folder is not None:
            return folder_facet(self.folder)
        if self.label is not None:
            return label_facet(self.label)
        return "all"

    def required(self) -> tuple[str, ...]:
        """The other facets a listed thread must carry."""
        found = [f for f, wanted in self._flags() if wanted is True]
        if self.folder is not None and self.label is not None:
            found.append(label_facet(self.label))
        if self.direction is not None:
            found.append(f"dir:{self.direction.value}")
        if self.from_address is not None:
            found.append(f"from:{self.from_address.lower()}")
        return tuple(f for f in dict.fromkeys(found) if f != self.driving_facet())

    def excluded(self) -> tuple[str, ...]:
        """The facets a listed thread must not carry."""
        return tuple(f for f, wanted in self._flags() if wanted is False)

    def _flags(self) -> tuple[tuple[str, bool | None], ...]:
        return (
            ("is:unread", self.unread),
            ("is:starred", self.starred),
            ("has:attachment", self.has_attachment),
        )


NO_FILTER = MailboxFilter()
