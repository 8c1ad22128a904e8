"""Bodies of `routes/drafts.py`: a draft is a message to send, perhaps a reply."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from .sending import SendIn


class DraftIn(SendIn):
    in_reply_to: UUID | None = Field(
        default=None,
        description="A message of the same inbox the draft answers: its sender is added to the "
        "recipients, and the draft joins that message's thread once sent.",
    )
