"""Request and response bodies of the API (validated by pydantic, published in OpenAPI)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from mailman.domain.api_keys import MAX_NAME_LENGTH as MAX_KEY_NAME_LENGTH
from mailman.domain.dns_records import RecordPurpose, RecordStatus
from mailman.domain.documents import (
    MAX_METADATA_KEYS,
    METADATA_RULES,
    within_metadata_limits,
)
from mailman.domain.events import Event
from mailman.domain.headers import MAX_HEADER_VALUE_LENGTH, MAX_HEADERS_LENGTH
from mailman.domain.mailbox import MessageView, ThreadSummary
from mailman.domain.models import ApiKey, Domain, DomainRecordState, DomainStatus, Inbox
from mailman.domain.names import (
    MAX_ADDRESS_OCTETS,
    MAX_DISPLAY_NAME_LENGTH,
    MAX_DOMAIN_LENGTH,
    MAX_LOCAL_PART_OCTETS,
)
from mailman.domain.outbound import (
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
    MAX_UNSUBSCRIBE_LENGTH,
)
from mailman.domain.pagination import MAX_LIMIT, MAX_PAGE_TOKEN_LENGTH, Keyed, Page
from mailman.domain.ratelimit import (
    DEFAULT_ORGANIZATION_PER_MINUTE,
    DEFAULT_PER_MINUTE,
    MAX_PER_MINUTE,
)
from mailman.services.mailbox import Link

from . import budget

T = TypeVar("T")


class Request(BaseModel):
    """Request bodies refuse fields they do not know."""

    model_config = ConfigDict(extra="forbid")


class ListOf(BaseModel, Generic[T]):
    data: list[T]
    next_page_token: str | None = Field(
        default=None,
        description="Pass as page_token for the next page; null on the last one. A page may "
        "hold fewer items than `limit` when they would not fit in one answer.",
    )


K = TypeVar("K", bound=Keyed)
M = TypeVar("M", bound=BaseModel)


def page_of(page: Page[K], render: Callable[[K], M]) -> ListOf[M]:
    """A page of items rendered for the answer, ended early if they would not fit in it."""
    rendered, _ = budget.fit(page.items, render)
    kept = page.head(len(rendered))
    return ListOf(data=rendered, next_page_token=kept.next_page_token)


class UpdateDomain(Request):
    from_name: StrictStr | None = Field(default=None, max_length=MAX_DISPLAY_NAME_LENGTH)
    reply_to: StrictStr | None = Field(default=None, max_length=MAX_ADDRESS_OCTETS)
    bounce_address: StrictStr | None = Field(default=None, max_length=MAX_ADDRESS_OCTETS)
    list_unsubscribe: StrictStr | None = Field(
        default=None,
        max_length=MAX_UNSUBSCRIBE_LENGTH,
        description="List-Unsubscribe of the domain's mail: an https URL (one-click, RFC 8058) "
        'or a mailto: URI. A send may give its own, or "" for none.',
    )


class CreateDomain(UpdateDomain):
    name: StrictStr = Field(max_length=MAX_DOMAIN_LENGTH, examples=["example.com"])


class Verification(BaseModel):
    mx: bool
    spf: bool
    dkim: bool
    dmarc: bool


class RecordOut(BaseModel):
    purpose: RecordPurpose
    description: str
    type: str
    name: str
    value: str
    priority: int | None
    status: RecordStatus = Field(
        description="missing, wrong (see `found`), verified, or unknown (the lookup failed)"
    )
    found: list[str] = Field(description="What the last lookup found at this name.")
    detail: str | None
    checked_at: datetime | None

    @classmethod
    def of(cls, record: DomainRecordState) -> RecordOut:
        return cls(
            purpose=record.purpose,
            description=record.record.description,
            type=record.type,
            name=record.name,
            value=record.value,
            priority=record.priority,
            status=record.status,
            found=list(record.found),
            detail=record.detail,
            checked_at=record.checked_at,
        )


class DomainOut(BaseModel):
    id: UUID
    name: str
    unicode_name: str
    status: DomainStatus = Field(
        description="pending until every record (the ownership record too) and SES's DKIM "
        "check pass; failed if SES gave up or another account verified the domain first"
    )
    can_send: bool
    can_receive: bool
    dkim_tokens: list[str]
    mail_from_domain: str | None
    from_name: str | None
    reply_to: str | None
    bounce_address: str | None
    list_unsubscribe: str | None
    verification: Verification
    ses_dkim_status: str | None
    records: list[RecordOut]
    verified_at: datetime | None
    last_checked_at: datetime | None
    next_check_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, domain: Domain) -> DomainOut:
        return cls(
            id=domain.id,
            name=domain.name,
            unicode_name=domain.unicode_name,
            status=domain.status,
            can_send=domain.can_send,
            can_receive=domain.can_receive,
            dkim_tokens=list(domain.dkim_tokens),
            mail_from_domain=domain.mail_from_domain,
            from_name=domain.from_name,
            reply_to=domain.reply_to,
            bounce_address=domain.bounce_address,
            list_unsubscribe=domain.list_unsubscribe,
            verification=Verification(
                mx=domain.mx_verified,
                spf=domain.spf_verified,
                dkim=domain.dkim_verified,
                dmarc=domain.dmarc_verified,
            ),
            ses_dkim_status=domain.ses_dkim_status,
            records=[RecordOut.of(r) for r in domain.records],
            verified_at=domain.verified_at,
            last_checked_at=domain.last_checked_at,
            next_check_at=domain.next_check_at,
            created_at=domain.created_at,
            updated_at=domain.updated_at,
        )


class CreateInbox(Request):
    domain_id: UUID
    local_part: StrictStr = Field(
        max_length=MAX_LOCAL_PART_OCTETS,
        description=f"At most {MAX_LOCAL_PART_OCTETS} octets (RFC 5321).",
        examples=["support"],
    )
    display_name: StrictStr | None = Field(default=None, max_length=MAX_DISPLAY_NAME_LENGTH)
    catch_all: StrictBool = Field(
        default=False, description="Also receive mail for addresses of the domain no inbox has."
    )


class UpdateInbox(Request):
    display_name: StrictStr | None = Field(default=None, max_length=MAX_DISPLAY_NAME_LENGTH)
    catch_all: StrictBool | None = None


class InboxOut(BaseModel):
    id: UUID
    domain_id: UUID
    address: str
    local_part: str
    domain: str
    display_name: str | None
    catch_all: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, inbox: Inbox) -> InboxOut:
        return cls(
            id=inbox.id,
            domain_id=inbox.domain_id,
            address=inbox.address,
            local_part=inbox.local_part,
            domain=inbox.domain_name,
            display_name=inbox.display_name,
            catch_all=inbox.catch_all,
            created_at=inbox.created_at,
            updated_at=inbox.updated_at,
        )


class CreateApiKey(Request):
    name: StrictStr = Field(max_length=MAX_KEY_NAME_LENGTH, examples=["production"])
    rate_limit_per_minute: StrictInt | None = Field(
        default=None,
        ge=1,
        le=MAX_PER_MINUTE,
        description=(
            "Requests a minute for this key; at most its organisation's limit over all its keys"
            f" ({DEFAULT_ORGANIZATION_PER_MINUTE} unless the operator set another), a larger"
            f" value is refused (400). Unset: the deployment's default ({DEFAULT_PER_MINUTE})."
        ),
    )
    expires_at: AwareDatetime | None = None


class ApiKeyOut(BaseModel):
    id: UUID
    name: str
    prefix: str
    rate_limit_per_minute: int | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls.model_validate(key.model_dump())


class CreatedApiKeyOut(ApiKeyOut):
    key: str = Field(description="The key itself. Shown only in this response; store it now.")


class Health(BaseModel):
    status: str


class EventOut(BaseModel):
    id: UUID
    type: str
    subject_id: UUID | None
    data: dict[str, Any]
    created_at: datetime
    cursor: str

    @classmethod
    def of(cls, event: Event) -> EventOut:
        return cls(
            id=event.id,
            type=event.type,
            subject_id=event.subject_id,
            data=event.payload,
            created_at=event.created_at,
            cursor=event.cursor,
        )


class EventsOut(BaseModel):
    data: list[EventOut]
    cursor: str = Field(description="Pass as `after` to read the events that follow.")


class ThreadOut(BaseModel):
    id: UUID
    inbox_id: UUID
    subject: str | None
    participants: list[str]
    message_count: int
    unread: bool
    unread_count: int
    preview: str | None = Field(description="The latest message's preview.")
    last_message_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, thread: ThreadSummary) -> ThreadOut:
        return cls(
            id=thread.id,
            inbox_id=thread.inbox_id,
            subject=thread.subject,
            participants=list(thread.participants),
            message_count=thread.message_count,
            unread=thread.unread_count > 0,
            unread_count=thread.unread_count,
            preview=thread.preview,
            last_message_at=thread.last_message_at,
            created_at=thread.created_at,
        )


class AttachmentOut(BaseModel):
    id: UUID
    filename: str | None
    content_type: str
    size_bytes: int
    sha256: str
    content_id: str | None
    inline: bool


class SenderOut(BaseModel):
    kind: str
    address: str
    name: str | None


class RecipientOut(SenderOut):
    status: str | None = Field(
        default=None, description="For outgoing mail: `suppressed` when it was not sent to."
    )
    status_reason: str | None = None


class MessageOut(BaseModel):
    id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    message_id: str = Field(description="The RFC 5322 Message-ID.")
    direction: str
    status: str | None = Field(
        description="Outgoing mail: draft, scheduled, pending, sending, sent, delivered, "
        "bounced, complained, failed or cancelled; null for mail received."
    )
    status_reason: str | None
    send_at: datetime | None = Field(description="When a scheduled message is to be sent.")
    ses_message_id: str | None
    metadata: dict[str, Any]
    list_unsubscribe: str | None
    from_: SenderOut = Field(serialization_alias="from")
    reply_to: list[str]
    recipients: list[RecipientOut]
    subject: str | None
    sent_at: datetime | None
    received_at: datetime | None
    in_reply_to: str | None
    references: list[str]
    text: str | None
    html: str | None
    extracted_text: str | None = Field(
        description="The new part of a reply: quoted history and signature removed."
    )
    preview: str | None
    headers: list[dict[str, str]]
    attachments: list[AttachmentOut]
    match_reason: str = Field(description="Why it joined its thread.")
    verdicts: dict[str, Any]
    quarantined: bool
    quarantine_reason: str | None
    defects: list[str]
    plus_tags: list[str]
    labels: list[str]
    is_read: bool
    size_bytes: int | None
    created_at: datetime
    updated_at: datetime
    truncated: list[str] = Field(
        default=[],
        description="The fields this answer cuts short to fit a response (`text`, `html`, "
        "`extracted_text`, `headers`, `metadata`); empty when the message is whole. "
        "`GET /messages/{id}` links the full text and HTML.",
    )
    text_url: str | None = Field(
        default=None, description="When `text` is cut short: a presigned link to all of it."
    )
    html_url: str | None = Field(
        default=None, description="When `html` is cut short: a presigned link to all of it."
    )

    @classmethod
    def of(cls, m: MessageView, *, light: bool = False) -> MessageOut:
        """The message within the inline budgets; `light` leaves its bodies and headers out
        (a thread too long to answer whole)."""
        cut: list[str] = []

        def part(name: str, value: str | None) -> str | None:
            if value is None:
                return None
            kept, clipped = (None, True) if light else budget.clip(value)
            if clipped:
                cut.append(name)
            return kept

        text, html, extracted = (
            part("text", m.text_body),
            part("html", m.html_body),
            part("extracted_text", m.extracted_text),
        )
        headers, more = budget.clip_list(m.headers, 0 if light else budget.MAX_INLINE_HEADERS_BYTES)
        if more:
            cut.append("headers")
        metadata = m.metadata
        if not within_metadata_limits(metadata):
            metadata = {}
            cut.append("metadata")
        return cls(
            id=m.id,
            inbox_id=m.inbox_id,
            thread_id=m.thread_id,
            message_id=m.message_id,
            direction=m.direction,
            status=m.status,
            status_reason=m.status_reason,
            send_at=m.send_at,
            ses_message_id=m.ses_message_id,
            metadata=metadata,
            list_unsubscribe=m.list_unsubscribe,
            from_=SenderOut(kind="from", address=m.from_address, name=m.from_name),
            reply_to=list(m.reply_to),
            recipients=[RecipientOut.model_validate(r, from_attributes=True) for r in m.recipients],
            subject=m.subject,
            sent_at=m.sent_at,
            received_at=m.received_at,
            in_reply_to=m.in_reply_to,
            references=list(m.references),
            text=text,
            html=html,
            extracted_text=extracted,
            preview=m.preview,
            headers=[dict(h) for h in headers],
            attachments=[
                AttachmentOut.model_validate(a, from_attributes=True) for a in m.attachments
            ],
            match_reason=m.match_reason,
            verdicts=m.verdicts,
            quarantined=m.quarantined,
            quarantine_reason=m.quarantine_reason,
            defects=list(m.defects),
            plus_tags=list(m.plus_tags),
            labels=list(m.labels),
            is_read=m.is_read,
            size_bytes=m.size_bytes,
            created_at=m.created_at,
            updated_at=m.updated_at,
            truncated=cut,
        )


class ThreadWithMessagesOut(ThreadOut):
    messages: list[MessageOut] = Field(
        description="In order. Messages past what one answer holds come without their bodies "
        "and headers (see each one's `truncated`); a thread longer still answers its first "
        "messages only: read the rest with `GET /messages/{id}`."
    )


class LinkOut(BaseModel):
    url: str = Field(description="A presigned URL; download it before `expires_at`.")
    expires_at: datetime
    filename: str | None = None
    content_type: str | None = None
    size_bytes: int | None = None

    @classmethod
    def of(cls, link: Link) -> LinkOut:
        return cls.model_validate(link, from_attributes=True)


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
Limit = Annotated[int | None, Query(ge=1, le=MAX_LIMIT)]
PageToken = Annotated[str | None, Query(max_length=MAX_PAGE_TOKEN_LENGTH)]


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
    list_unsubscribe: StrictStr | None = Field(
        default=None,
        max_length=MAX_UNSUBSCRIBE_LENGTH,
        description="List-Unsubscribe: an https URL (one-click) or a mailto: URI; left out, "
        'the domain\'s; "" for none.',
    )


class ReplyIn(SendIn):
    inbox_id: UUID | None = Field(
        default=None, description="When given, the message answered must belong to it."
    )


class DraftIn(SendIn):
    in_reply_to: UUID | None = Field(
        default=None,
        description="A message of the same inbox the draft answers: its sender is added to the "
        "recipients, and the draft joins that message's thread once sent.",
    )


class RescheduleIn(Request):
    send_at: AwareDatetime | None = Field(
        description="The new time (at most 30 days ahead); null or a time past sends it now."
    )


class UploadIn(Request):
    filename: StrictStr = Field(min_length=1, max_length=MAX_FILENAME_LENGTH)
    content_type: StrictStr | None = Field(default=None, max_length=MAX_CONTENT_TYPE_LENGTH)


class UploadOut(BaseModel):
    id: UUID = Field(description="Give it as attachment_id in a send.")
    upload_url: str = Field(description="PUT the file's bytes here, with the Content-Type below.")
    content_type: str
    expires_at: datetime
