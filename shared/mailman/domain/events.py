"""The event log as callers read it: ordered per organisation, read after an opaque cursor."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from mailman.domain.errors import ValidationError

_CURSOR_PREFIX = "ev1:"


@dataclass(frozen=True)
class NewEvent:
    """An event to append to an organisation's log (`EventLog.append`); `dedup_key` makes a
    second append of it a no-op."""

    organization_id: UUID
    type: str
    subject_id: UUID | None
    dedup_key: str
    payload: dict[str, object]
    actor: dict[str, str] | None = None
    """Whom the event is on behalf of when the unit of work appending it has no caller (the
    message's sender, for what the platform appends about it later); a caller's unit of
    work records its caller instead."""


class Event(BaseModel):
    model_config = ConfigDict(frozen=True)

    seq: int
    id: UUID
    type: str
    subject_id: UUID | None
    payload: dict[str, Any]
    created_at: datetime
    actor: dict[str, str] | None = None
    """Who appended it (`Caller.actor`: credential, key_id, subject): None for what the
    platform did of itself (mail received, SES's reports, the verifier, the sweep)."""

    @property
    def cursor(self) -> str:
        return encode_cursor(self.seq)


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position a cursor names; ValidationError on anything this API did not issue."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(_CURSOR_PREFIX):
            seq = int(text.removeprefix(_CURSOR_PREFIX))
            if seq >= 0:
                return seq
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise ValidationError("after is not a cursor this API issued", field="after")
