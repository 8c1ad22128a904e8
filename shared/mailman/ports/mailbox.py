"""The mailbox's state: custom folders with the counts beside them (`FolderRepository`), and
the writer of changes to messages' read, starred, folder and labels (`MailboxMarks`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from mailman.domain.folders import MailboxChange
    from mailman.domain.mailbox_state import Count, CustomFolder, Marked


class FolderRepository(Protocol):
    def add(self, inbox_id: UUID, name: str) -> CustomFolder:
        """A new folder of the inbox; Conflict when the inbox has one of that name (in any
        case)."""
        ...

    def get(self, folder_id: UUID) -> CustomFolder | None: ...

    def list(self, inbox_id: UUID) -> Sequence[CustomFolder]:
        """The inbox's folders by name (case-insensitively), then id."""
        ...

    def rename(self, folder_id: UUID, name: str) -> CustomFolder | None:
        """Conflict as `add`."""
        ...

    def delete(self, folder_id: UUID) -> bool: ...

    def counts(self, inbox_id: UUID, facets: Sequence[str]) -> Mapping[str, Count]:
        """The inbox's counts of each of `facets` that has any (`mailbox_counts`)."""
        ...

    def label_counts(self, inbox_id: UUID) -> Mapping[str, Count]:
        """The counts of each label the inbox's mail outside trash and spam carries, by label."""
        ...


class MailboxMarks(Protocol):
    """Changes to messages, each one statement whatever the number of ids. A message is found
    when it is not being erased and is live or in trash; moving one into trash stamps its
    `deleted_at` with `at` and remembers the folder it was in, moving it out clears both."""

    def mark(
        self, message_ids: Sequence[UUID], change: MailboxChange, at: datetime
    ) -> Sequence[Marked]:
        """Apply `change` (its folder as stored: a system folder's name or a custom folder's
        id) to the messages found among `message_ids`; answer those."""
        ...

    def mark_threads(
        self, thread_ids: Sequence[UUID], change: MailboxChange, at: datetime
    ) -> Sequence[Marked]:
        """Apply `change` to every message found of the threads found among `thread_ids`
        (threads not merged into another); a thread moved into trash is deleted with its
        messages (`deleted_at`), one moved out of it is live again. Answer the threads."""
        ...

    def refile(self, inbox_id: UUID, folder: str, to: str) -> int:
        """Move every message of the inbox in `folder` to `to`; answer how many."""
        ...
