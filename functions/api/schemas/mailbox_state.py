"""Bodies of `routes/mailbox_state.py`: a change to messages or threads, a batch of them,
folders and labels with their counts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StrictBool, StrictStr

from mailman.domain.folders import MAX_BATCH, MAX_FOLDER_NAME, MailboxChange
from mailman.domain.mailbox_state import MAX_FOLDER_LENGTH
from mailman.domain.sending import MAX_LABEL_LENGTH, MAX_LABELS

from .common import Body, Out, Request

Label = Annotated[StrictStr, Field(min_length=1, max_length=MAX_LABEL_LENGTH)]


class LabelsIn(Request):
    add: list[Label] = Field(
        default=[],
        max_length=MAX_LABELS,
        description="Labels to add. `unread` and `starred` set those flags.",
    )
    remove: list[Label] = Field(
        default=[],
        max_length=MAX_LABELS,
        description="Labels to remove. `unread` and `starred` clear those flags.",
    )


class ChangeIn(Request):
    """Any of these; what is not named is kept."""

    read: StrictBool | None = None
    starred: StrictBool | None = None
    folder: StrictStr | None = Field(
        default=None,
        max_length=MAX_FOLDER_LENGTH,
        description="A system folder's name (inbox, sent, drafts, archive, spam, trash; not "
        "the virtual `starred`) or the id of a custom folder of the message's inbox. Moving "
        "into trash is deleting (restorable); moving out of it restores.",
    )
    labels: LabelsIn | None = None

    def change(self) -> MailboxChange:
        labels = self.labels or LabelsIn()
        return MailboxChange.of(
            read=self.read,
            starred=self.starred,
            folder=self.folder,
            add=labels.add,
            remove=labels.remove,
        )


class BatchIn(Request):
    ids: list[UUID] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=f"Up to {MAX_BATCH} ids; an id named twice counts once.",
    )
    change: ChangeIn


class OutcomeOut(Out):
    id: UUID
    result: str = Field(description="`updated`, or `not_found` (no such id you can reach).")


class BatchOut(Body):
    data: list[OutcomeOut] = Field(description="One per id, in the order given.")


class FolderIn(Request):
    name: StrictStr = Field(
        min_length=1,
        max_length=MAX_FOLDER_NAME,
        description="1 to 100 characters (surrounding spaces dropped), unique in the inbox "
        "whatever the case, not a system folder's name.",
    )


class FolderOut(Out):
    id: str = Field(description="A system folder's name, or a custom folder's id.")
    name: str
    system: bool
    total: int = Field(description="Its messages (`starred`: starred mail outside trash and spam).")
    unread: int = Field(description="Of those, the unread.")
    created_at: datetime | None = Field(default=None, description="Custom folders only.")
    updated_at: datetime | None = Field(default=None, description="Custom folders only.")


class LabelOut(Out):
    name: str
    system: bool = Field(description="`unread`, `starred` and `important`.")
    total: int = Field(description="Its messages outside trash and spam.")
    unread: int
