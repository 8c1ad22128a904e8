"""Bodies of `routes/sending.py`: a message to send, a reply, a new time, an upload."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AliasPath, AwareDatetime, Field, StrictStr

from mailman.domain.documents import MAX_METADATA_KEYS, METADATA_RULES
from mailman.domain.headers import MAX_HEADER_VALUE_LENGTH, MAX_HEADERS_LENGTH
from mailman.domain.sending import (
    MAX_ADDRESS_LENGTH,
    MAX_ATTACHMENTS,
    MAX_CONTENT_ID_LENGTH,
    MAX_CONTENT_TYPE_LENGTH,
    MAX_CUSTOM_HEADERS,
    MAX_FILENAME_LENGTH,
    MAX_LABEL_LENGTH,
    MAX_LABELS,
    MAX_RECIPIENTS,
    MAX_REPLY_TO,
    MAX_SUBJECT_LENGTH,
)

from .common import ListUnsubscribe, Out, Request


class AttachmentIn(Request):
    filename: StrictStr = Field(
        min_length=1, max_length=MAX_FILENAME_LENGTH, examples=["invoice.pdf"]
    )
    content_type: StrictStr | None = Field(
        default=None,
        max_length=MAX_CONTENT_TYPE_LENGTH,
        description="Guessed from the filename when left out.",
    )
    content: StrictStr | None = Field(
        default=None,
        description="The file, base64-encoded; 4 MiB in all per request (413 above). "
        "Larger files: upload with POST /attachments and give attachment_id.",
    )
    attachment_id: UUID | None = Field(default=None, description="An upload's id.")
    content_id: StrictStr | None = Field(
        default=None,
        max_length=MAX_CONTENT_ID_LENGTH,
        description="Shows the file inline: the HTML's `cid:`.",
    )


AddressIn = Annotated[
    StrictStr, Field(max_length=MAX_ADDRESS_LENGTH, examples=["Jane <jane@example.org>"])
]
"""`a@example.com` or `Name <a@example.com>`."""
HeaderValue = Annotated[StrictStr, Field(max_length=MAX_HEADER_VALUE_LENGTH)]


class SendIn(Request):
    to: list[AddressIn] = Field(
        default=[],
        max_length=MAX_RECIPIENTS,
        description=f"To, cc and bcc hold at most {MAX_RECIPIENTS} addresses together.",
        examples=[["jane@example.org"]],
    )
    cc: list[AddressIn] = Field(default=[], max_length=MAX_RECIPIENTS)
    bcc: list[AddressIn] = Field(default=[], max_length=MAX_RECIPIENTS)
    reply_to: list[AddressIn] = Field(default=[], max_length=MAX_REPLY_TO)
    subject: StrictStr | None = Field(default=None, max_length=MAX_SUBJECT_LENGTH)
    text: StrictStr | None = None
    html: StrictStr | None = Field(
        default=None, description="A text part is derived from it when text is left out."
    )
    headers: dict[StrictStr, HeaderValue] = Field(
        default={},
        max_length=MAX_CUSTOM_HEADERS,
        description="Custom headers: any X- header but X-SES-* and trace ones (X-Original-To, "
        "X-Spam-*...), and Keywords, Comments, Importance, Priority, Sensitivity, "
        "Auto-Submitted, Precedence, Organization, List-Id, List-Archive, List-Help, List-Post, "
        "List-Owner, List-Subscribe; anything else (Mailman's own, Received, Return-Path, "
        "DKIM-Signature, ARC-*, Authentication-Results, Resent-*...) is a 400 naming "
        "headers.<Name>. Names ignore case and may appear once; values may hold no line break "
        f"and no control character but tab, {MAX_HEADER_VALUE_LENGTH:,} characters each and "
        f"{MAX_HEADERS_LENGTH:,} in all, names included.",
    )
    labels: list[Annotated[StrictStr, Field(min_length=1, max_length=MAX_LABEL_LENGTH)]] = Field(
        default=[], max_length=MAX_LABELS
    )
    metadata: dict[str, Any] = Field(
        default={},
        max_length=MAX_METADATA_KEYS,
        description=f"Your own data, kept with the message and answered with it. {METADATA_RULES}",
    )
    attachments: list[AttachmentIn] = Field(default=[], max_length=MAX_ATTACHMENTS)
    send_at: AwareDatetime | None = Field(
        default=None, description="Send later (at most 30 days ahead): the message is Scheduled."
    )
    list_unsubscribe: ListUnsubscribe = Field(
        default=None,
        description="List-Unsubscribe: an https URL (one-click) or a mailto: URI; left out, "
        'the domain\'s; "" for none.',
    )


class ReplyIn(SendIn):
    inbox_id: UUID | None = Field(
        default=None, description="When given, the message answered must belong to it."
    )


class RescheduleIn(Request):
    send_at: AwareDatetime | None = Field(
        description="The new time (at most 30 days ahead); null or a time past sends it now."
    )


class UploadIn(Request):
    filename: StrictStr = Field(min_length=1, max_length=MAX_FILENAME_LENGTH)
    content_type: StrictStr | None = Field(default=None, max_length=MAX_CONTENT_TYPE_LENGTH)


class UploadOut(Out):
    id: UUID = Field(
        validation_alias=AliasPath("upload", "id"),
        description="Give it as attachment_id in a send.",
    )
    upload_url: str = Field(
        validation_alias="url",
        description="PUT the file's bytes here, with the Content-Type below.",
    )
    content_type: str = Field(validation_alias=AliasPath("upload", "content_type"))
    expires_at: datetime = Field(validation_alias=AliasPath("upload", "expires_at"))
