"""The in-memory store: PostgreSQL's tables as dictionaries of plain rows, and the scope one
unit of work sees them in.

Everything a unit of work may change lives in `Tables`, so that a copy taken when it opens
can be put back when it fails. Row-level security becomes `Scope`: a tenant's unit of work
sees its organisation's rows only, and may write no other's; the system's sees every row.
A tenant's unit of work for a caller bound to inboxes (`Scope.caller`) sees, of inboxes,
threads, messages, events, webhook endpoints and uploads, only what migrations 0017 and
0018 let it see, and may write no other inbox's.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID, uuid4

from mailman.adapters.memory.thread_index import InMemoryThreadIndex
from mailman.adapters.memory.webhook_rows import (
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
)
from mailman.domain.access import Caller
from mailman.domain.auth_keys import AuthKey
from mailman.domain.dmarc_reports import DmarcReport
from mailman.domain.errors import StorageError
from mailman.domain.events import Event
from mailman.domain.mailbox_state import CustomFolder
from mailman.domain.messages import NewMessage, Upload
from mailman.domain.models import ApiKey, Domain, Inbox, Organization
from mailman.domain.pagination import Keyed, PageRequest
from mailman.domain.reputation import HourlyCounts
from mailman.domain.suppressions import Suppression
from mailman.domain.tracking import RecipientTrack
from mailman.ports import Clock

K = TypeVar("K", bound=Keyed)


@dataclass(frozen=True)
class DeliveryEventRow:
    """One SES event's row for one recipient (`delivery_events`)."""

    organization_id: UUID
    message_pk: UUID
    recipient: str
    event_type: str
    source_event_id: str
    occurred_at: datetime
    ses_message_id: str
    details: dict[str, object]
    created_at: datetime
    id: UUID = field(default_factory=uuid4)
    """The row's id: of two events at one instant, the history lists the lesser first."""


@dataclass
class MessageRow:
    """A stored message: what was added, and what its life since changed."""

    message: NewMessage
    """As added; its state, thread and schedule kept current (`dataclasses.replace`)."""
    id: UUID
    created_at: datetime
    updated_at: datetime
    recipient_states: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    """lower-case address -> (status, reason)"""
    tracks: dict[str, RecipientTrack] = field(default_factory=dict)
    """lower-case address -> its delivery columns (once anything set one)"""
    status_reason: str | None = None
    ses_message_id: str | None = None
    handed_off_at: datetime | None = None
    is_read: bool = False
    starred: bool = False
    deleted_at: datetime | None = None
    restore_folder: str | None = None
    """The folder it was in before it was moved into trash."""
    erase_requested_at: datetime | None = None
    actor: dict[str, str] | None = None
    """The caller whose unit of work added it (`messages.actor`)."""

    @property
    def organization_id(self) -> UUID:
        return self.message.organization_id


@dataclass
class ThreadRow:
    """A thread's listing columns, as `note_in_thread` and `refresh_thread` keep them."""

    id: UUID
    organization_id: UUID
    inbox_id: UUID
    created_at: datetime
    subject: str | None = None
    message_count: int = 0
    preview: str | None = None
    last_message_at: datetime | None = None
    last_message_id: UUID | None = None
    merged_into: UUID | None = None
    deleted_at: datetime | None = None


@dataclass
class KeyUse:
    """An idempotency key's use: the request it came with and the message it made."""

    request_sha256: str
    message_pk: UUID | None
    created_at: datetime


@dataclass
class Bucket:
    tokens: float
    refilled_at: datetime


@dataclass(frozen=True)
class Unroutable:
    """Mail for addresses of a domain that no inbox takes."""

    recipients: tuple[str, ...]
    message_id: str
    raw_storage_key: str
    reason: str


@dataclass
class StoredEvent:
    organization_id: UUID
    dedup_key: str
    event: Event


@dataclass
class Tables:
    organizations: dict[UUID, Organization] = field(default_factory=dict)
    api_keys: dict[UUID, ApiKey] = field(default_factory=dict)
    key_hashes: dict[str, UUID] = field(default_factory=dict)
    auth_keys: dict[UUID, AuthKey] = field(default_factory=dict)
    domains: dict[UUID, Domain] = field(default_factory=dict)
    inboxes: dict[UUID, Inbox] = field(default_factory=dict)
    deleted: dict[UUID, datetime] = field(default_factory=dict)
    """When each soft-deleted organisation, domain or inbox was deleted, by its id."""
    threads: dict[UUID, ThreadRow] = field(default_factory=dict)
    thread_index: InMemoryThreadIndex = field(default_factory=InMemoryThreadIndex)
    messages: dict[UUID, MessageRow] = field(default_factory=dict)
    unroutable: dict[tuple[UUID, str, UUID], Unroutable] = field(default_factory=dict)
    """(organisation, source id, domain) -> the mail"""
    events: list[StoredEvent] = field(default_factory=list)
    idempotency_keys: dict[tuple[UUID, str], KeyUse] = field(default_factory=dict)
    uploads: dict[UUID, tuple[UUID, Upload, frozenset[UUID] | None]] = field(default_factory=dict)
    """upload id -> (organisation, upload, the inboxes its uploader was bound to)"""
    suppressions: dict[tuple[UUID, str], Suppression] = field(default_factory=dict)
    """(organisation, canonical address) -> the live entry"""
    buckets: dict[tuple[str, object], Bucket] = field(default_factory=dict)
    delivery_counts: dict[tuple[UUID, datetime], HourlyCounts] = field(default_factory=dict)
    """(inbox, hour) -> what the inbox's mail came to in the hour"""
    delivery_events: dict[tuple[UUID, str, str, str], DeliveryEventRow] = field(
        default_factory=dict
    )
    """(message, source event id, event type, recipient) -> the row"""
    last_stamp: datetime | None = None
    # -- webhooks (rows in `webhook_rows`): endpoints, deliveries, attempts -----------------
    webhook_endpoints: dict[UUID, WebhookEndpointRow] = field(default_factory=dict)
    webhook_deliveries: dict[UUID, WebhookDeliveryRow] = field(default_factory=dict)
    webhook_attempts: dict[UUID, WebhookAttemptRow] = field(default_factory=dict)
    """attempt id -> the attempt"""
    folders: dict[UUID, tuple[UUID, CustomFolder]] = field(default_factory=dict)
    """folder id -> (organisation, the folder)"""
    dmarc_reports: dict[UUID, DmarcReport] = field(default_factory=dict)
    """report id -> the report with its rows"""
    dmarc_positions: dict[UUID, int] = field(default_factory=dict)
    """report id -> its file's place in the mail (`file_position`)"""
    dmarc_last_copy: dict[UUID, str] = field(default_factory=dict)
    """report id -> the raw key of the mail its last counted copy came in"""
    publishing: bool = False
    """Whether a publisher holds the right to publish what is due (PostgreSQL's advisory
    lock)."""

    def live(self, entity_id: UUID) -> bool:
        return entity_id not in self.deleted


@dataclass(frozen=True)
class Scope:
    """The tables as one unit of work sees them: an organisation's rows, or (None) all."""

    tables: Tables
    organization_id: UUID | None
    clock: Clock
    caller: Caller | None = None
    """An API request's credential: bound to inboxes, it sees no other inbox's rows."""

    def sees(self, organization_id: UUID) -> bool:
        return self.organization_id is None or organization_id == self.organization_id

    def check(self, organization_id: UUID) -> None:
        """Refuse to write another organisation's row, as row-level security does."""
        if not self.sees(organization_id):
            raise StorageError("the database refused the operation: 42501")

    def reaches(self, inbox_id: UUID) -> bool:
        """Whether the caller sees the inbox and its threads and messages (`inbox_binding`)."""
        return self.caller is None or self.caller.reaches(inbox_id)

    def reaches_all(self, inbox_ids: Collection[UUID] | None) -> bool:
        """Whether a row scoped to `inbox_ids` is within the caller's inboxes: a webhook
        endpoint's (empty: every inbox), an upload's (None: made by an unbound caller). A
        bound caller sees neither kind of row that reaches beyond its inboxes."""
        bound = None if self.caller is None else self.caller.inbox_ids
        return bound is None or (bool(inbox_ids) and set(inbox_ids or ()) <= bound)

    def actor(self) -> dict[str, str] | None:
        """What an event appended now records of its caller (`events.actor`)."""
        return None if self.caller is None else self.caller.actor()

    def check_inbox(self, inbox_id: UUID) -> None:
        """Refuse to write a row of an inbox beyond the caller's, as row-level security does."""
        if not self.reaches(inbox_id):
            raise StorageError("the database refused the operation: 42501")

    def check_within(self, inbox_ids: Collection[UUID]) -> None:
        """Refuse to write a row scoped beyond the caller's inboxes (`reaches_all`)."""
        if not self.reaches_all(inbox_ids):
            raise StorageError("the database refused the operation: 42501")

    def stamp(self) -> datetime:
        """The time a row is written at (the database's `now()`): the clock's, but later than
        every stamp before it, so a row changed twice under a clock standing still has two
        versions."""
        now = self.clock.now()
        last = self.tables.last_stamp
        if last is not None and now <= last:
            now = last + timedelta(microseconds=1)
        self.tables.last_stamp = now
        return now


def keyset_page(rows: Iterable[K], page: PageRequest) -> list[K]:
    """Rows oldest first from after the page's cursor, one more than the page holds."""
    ordered = sorted(rows, key=lambda r: (r.created_at, r.id))
    after = page.after
    if after is not None:
        ordered = [r for r in ordered if (r.created_at, r.id) > (after.created_at, after.id)]
    return ordered[: page.limit + 1]


class ScopedRepository:
    """A repository over the tables, in one unit of work's scope."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope
        self._tables = scope.tables
