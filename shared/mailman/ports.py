"""The ports the services depend on, as `typing.Protocol`s named by role."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from mailman.domain.dns_records import DnsRecord
from mailman.domain.events import Event
from mailman.domain.mailbox import MessageView, ThreadSummary
from mailman.domain.messages import (
    DueMessage,
    NewMessage,
    OutgoingMail,
    SentRecord,
    StoredMessage,
    Upload,
)
from mailman.domain.models import (
    ApiKey,
    DeliveryStatus,
    Domain,
    DomainRecordState,
    Inbox,
    KeyHolder,
    Organization,
)
from mailman.domain.pagination import Cursor, PageRequest
from mailman.domain.ratelimit import BucketState
from mailman.domain.verification import SesIdentity


class Clock(Protocol):
    def now(self) -> datetime: ...


class OrganizationRepository(Protocol):
    def add(self, name: str) -> Organization: ...

    def get(self, organization_id: UUID, *, lock: bool = False) -> Organization | None:
        """The live organisation; `lock` holds its row until the transaction ends."""
        ...

    def list(self) -> list[Organization]: ...

    def set_limits(self, organization_id: UUID, changes: dict[str, int]) -> Organization | None:
        """Set the given limit columns (`rate_limit_per_minute`, `max_api_keys`)."""
        ...

    def soft_delete(self, organization_id: UUID, at: datetime) -> bool: ...


class ApiKeyRepository(Protocol):
    def add(
        self,
        organization_id: UUID,
        *,
        name: str,
        prefix: str,
        key_hash: str,
        rate_limit_per_minute: int | None,
        expires_at: datetime | None,
    ) -> ApiKey: ...

    def get(self, key_id: UUID) -> ApiKey | None: ...

    def find_by_hash(self, key_hash: str) -> KeyHolder | None:
        """The key with this hash and its organisation, unless the organisation is deleted."""
        ...

    def list(self, page: PageRequest) -> list[ApiKey]: ...

    def count_live(self, organization_id: UUID, at: datetime) -> int:
        """The organisation's keys neither revoked nor expired at `at`."""
        ...

    def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None: ...

    def revoke_all(self, organization_id: UUID, at: datetime) -> int:
        """Revoke every key of the organisation not revoked yet; answer how many."""
        ...

    def touch(self, key_id: UUID, at: datetime) -> None: ...


class DomainRepository(Protocol):
    def add(
        self,
        organization_id: UUID,
        *,
        name: str,
        unicode_name: str,
        from_name: str | None,
        reply_to: str | None,
        bounce_address: str | None,
        list_unsubscribe: str | None = None,
        region: str | None = None,
        mail_from_domain: str | None = None,
        dkim_tokens: tuple[str, ...] = (),
        ses_dkim_status: str | None = None,
    ) -> Domain: ...

    def get(self, domain_id: UUID) -> Domain | None: ...

    def count_live(self) -> int:
        """The organisation's live domains (in a tenant's scope)."""
        ...

    def claims(self, names: Sequence[str]) -> Sequence[Domain]:
        """The live domains named any of `names`: every organisation's in the system scope.
        Verified ones first, then the newest first."""
        ...

    def receiving_states(self) -> Sequence[tuple[str, bool]]:
        """(name, verified for receiving) of every domain name ever registered, of every
        organisation: a deleted one is not receiving (unless a live one has its name)."""
        ...

    def list(self, page: PageRequest) -> list[Domain]: ...

    def update(self, domain_id: UUID, changes: dict[str, object]) -> Domain | None: ...

    def soft_delete(self, domain_id: UUID, at: datetime) -> bool: ...

    def set_records(self, domain: Domain, records: Sequence[DnsRecord]) -> Domain:
        """Replace the records the domain must publish (all back to `missing`)."""
        ...

    def save_verification(
        self, domain_id: UUID, changes: dict[str, object], records: tuple[DomainRecordState, ...]
    ) -> None:
        """Store a check's outcome; `VerifiedElsewhere` (nothing stored) when it makes the
        domain verified while another live domain of its name is."""
        ...

    def claim_due(self, at: datetime, limit: int, lease_until: datetime) -> Sequence[Domain]:
        """Domains (of every organisation) due a check, leased so no other run takes them."""
        ...


class InboxRepository(Protocol):
    def add(
        self,
        organization_id: UUID,
        *,
        domain_id: UUID,
        local_part: str,
        display_name: str | None,
        catch_all: bool,
    ) -> Inbox: ...

    def get(self, inbox_id: UUID) -> Inbox | None: ...

    def address_taken(self, domain_id: UUID, local_part: str) -> bool: ...

    def catch_all_of(self, domain_id: UUID) -> Inbox | None: ...

    def list(self, page: PageRequest, *, domain_id: UUID | None = None) -> list[Inbox]: ...

    def update(self, inbox_id: UUID, changes: dict[str, object]) -> Inbox | None: ...

    def soft_delete(self, inbox_id: UUID, at: datetime) -> bool: ...

    def soft_delete_for_domain(self, domain_id: UUID, at: datetime) -> int: ...

    def routing(self, domains: Sequence[str]) -> Sequence[RoutingEntry]:
        """The live domain of each name among `domains`, of any organisation, with its inboxes:
        the one that receives for the name, else the name's only live domain (a name several
        organisations claim and none receives for has none)."""
        ...


class RateLimitRepository(Protocol):
    def take(
        self,
        key_id: UUID,
        organization_id: UUID,
        *,
        key_per_minute: int,
        organization_per_minute: int,
        at: datetime,
    ) -> tuple[BucketState, BucketState]:
        """Take one token from the key's bucket and one from its organisation's, or from
        neither when either is empty; answer both buckets after (key, organisation), each
        with the request's one verdict. A bucket holds a minute's tokens."""
        ...

    def take_failure(self, source: str, *, per_minute: int, at: datetime) -> BucketState:
        """Take a token from the bucket of failed authentications of a source address, if it
        holds one; answer the bucket after."""
        ...


class BlobStore(Protocol):
    def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None: ...

    def get(self, key: str) -> bytes: ...

    def presigned_get(
        self, key: str, *, expires_in: int = 300, filename: str | None = None
    ) -> str: ...

    def presigned_put(self, key: str, *, content_type: str, expires_in: int = 3600) -> str:
        """A URL the caller PUTs the object's bytes to, with `content_type`."""
        ...

    def size(self, key: str) -> int | None:
        """The object's size in bytes; None when there is no such object."""
        ...


class Queue(Protocol):
    """A work queue (SQS in AWS): each body is one job, JSON-encodable."""

    def send(self, bodies: Sequence[Mapping[str, object]], *, delay_seconds: int = 0) -> None:
        """Queue every body, or raise `DeliveryError` (some may have been queued: the
        consumer must take a job twice calmly)."""
        ...


class Mailer(Protocol):
    """The mail service's sending side (SES v2 in AWS)."""

    def send(self, raw: bytes, *, destinations: Sequence[str], tags: Mapping[str, str]) -> str:
        """Hand a raw message to the mail service for `destinations` (the envelope); answer
        the service's id for it.

        Raises `DeliveryError`: transient when the service surely did not take the mail and
        a later try may succeed, permanent when it refused the mail; `DeliveryUncertain`
        when it cannot be known whether the service took it."""
        ...


@dataclass(frozen=True)
class RoutingEntry:
    """A live domain and what receiving needs of it (system scope, before the tenant is known)."""

    domain_id: UUID
    organization_id: UUID
    name: str
    can_receive: bool
    inboxes: dict[str, UUID]
    """local part -> inbox id"""
    catch_all: UUID | None


class MessageRepository(Protocol):
    def find_many(
        self, identities: Sequence[tuple[UUID, str, str]]
    ) -> dict[tuple[UUID, str, str], StoredMessage]:
        """The stored messages among (inbox id, Message-ID, content sha256) identities."""
        ...

    def find_content(self, inbox_id: UUID, content_sha256: str) -> StoredMessage | None:
        """A message of the inbox with exactly these bytes, whatever its Message-ID."""
        ...

    def add(self, message: NewMessage) -> StoredMessage:
        """Store a message the caller found missing while holding its inbox's thread lock."""
        ...

    def refresh_thread(self, thread_id: UUID) -> None:
        """Recompute the thread's count, unread count, latest activity and preview."""
        ...

    def note_in_thread(
        self,
        thread_id: UUID,
        message_pk: UUID,
        *,
        at: datetime,
        preview: str | None,
        subject: str | None,
        unread: bool,
    ) -> None:
        """Count one more message in the thread's listing columns, without recounting."""
        ...

    def add_unroutable(
        self,
        organization_id: UUID,
        *,
        domain_id: UUID,
        recipients: Sequence[str],
        message_id: str,
        source_id: str,
        raw_storage_key: str,
        reason: str,
    ) -> bool:
        """Record mail no inbox takes, and why; False when it was recorded already."""
        ...


class Outbox(Protocol):
    """Outgoing mail on its way: claimed, handed off, failed; idempotency keys; uploads."""

    def claim(self, message_pk: UUID, at: datetime) -> OutgoingMail | None:
        """Move the message to `sending` if it is waiting and due, answering it; None when it
        is not (sent or being sent already, cancelled, rescheduled, unknown)."""
        ...

    def suppressed(self, addresses: Sequence[str]) -> dict[str, str]:
        """The organisation's suppressed addresses among `addresses`, with why."""
        ...

    def mark_recipients(self, message_pk: UUID, status: str, reasons: Mapping[str, str]) -> None:
        """Give each recipient (by address) of the message `status` and its reason."""
        ...

    def hand_back(self, message_pk: UUID, at: datetime) -> None:
        """Return a message the mail service asked to be tried later to `pending`."""
        ...

    def fail(
        self, message_pk: UUID, reason: str, *, sources: Sequence[DeliveryStatus]
    ) -> SentRecord | None:
        """Mark the message failed if it is in one of `sources`; None when it was not."""
        ...

    def record_sent(
        self, message_pk: UUID, *, ses_message_id: str, ses_header_id: str, at: datetime
    ) -> SentRecord | None:
        """Mark the message sent with the mail service's id, and make the id the service
        gives the mail in its header (`<ses-id@region.amazonses.com>`) another id of the
        message in the thread index. None for an unknown message or one that cannot be
        sent (cancelled, say); `newly` False when it was recorded already."""
        ...

    def set_queued(self, message_pks: Sequence[UUID], at: datetime | None) -> None: ...

    def cancel(self, message_pk: UUID, at: datetime) -> SentRecord | None:
        """Cancel the message if it is still waiting (pending or scheduled); None if not."""
        ...

    def reschedule(
        self, message_pk: UUID, send_at: datetime | None, *, queued_at: datetime | None
    ) -> bool:
        """Move a waiting message's send time (None: now, Pending), with its queue mark;
        False when it is no longer waiting."""
        ...

    def claim_key(
        self, key: str, request_sha256: str, message_pk: UUID, at: datetime
    ) -> tuple[str, UUID | None] | None:
        """Take an idempotency key for a new message; None when taken, else the request
        hash and message of the live use of the key (a key older than the window is
        taken over). Blocks while another transaction holds the key."""
        ...

    def find_key(self, key: str, at: datetime) -> tuple[str, UUID | None] | None:
        """The request hash and message of the key's live use, if it has one."""
        ...

    def add_upload(self, upload: Upload) -> None: ...

    def uploads(self, upload_ids: Sequence[UUID], at: datetime) -> dict[UUID, Upload]:
        """The live (unexpired) uploads among `upload_ids`."""
        ...

    def due(self, at: datetime, *, horizon_seconds: int, limit: int) -> Sequence[DueMessage]:
        """(System scope.) Waiting mail due within the horizon and not queued lately, marked
        queued at `at`."""
        ...

    def unconfirmed(self, before: datetime, limit: int) -> Sequence[tuple[UUID, UUID]]:
        """(System scope.) (organisation, message) of hand-offs begun before `before` that
        no one confirmed."""
        ...

    def forget_keys(self, before: datetime) -> int:
        """(System scope.) Drop idempotency keys created before `before`."""
        ...


class DraftRepository(Protocol):
    """Drafts: outgoing messages not yet sent, in no thread. `version` is the `updated_at`
    the caller read; a change to a draft edited, sent or deleted since changes nothing."""

    def replace(self, draft: NewMessage, *, version: datetime) -> bool:
        """Store `draft` in place of the draft with its id, keeping when it was created."""
        ...

    def promote(self, message: NewMessage, *, version: datetime) -> bool:
        """Make the draft outgoing mail: its state, thread, schedule and queue mark from
        `message`; its Message-ID known to the thread index as the message's."""
        ...

    def delete(self, draft_id: UUID) -> bool: ...


class MailboxReader(Protocol):
    def threads(
        self, inbox_id: UUID, limit: int, after: Cursor | None
    ) -> Sequence[ThreadSummary]: ...

    def thread(self, thread_id: UUID) -> ThreadSummary | None: ...

    def thread_messages(self, thread_id: UUID) -> Sequence[MessageView]: ...

    def message(self, message_id: UUID) -> MessageView | None: ...

    def messages(
        self,
        inbox_id: UUID,
        *,
        quarantined: bool,
        limit: int,
        after: Cursor | None,
        drafts: bool = False,
    ) -> Sequence[MessageView]:
        """An inbox's messages, newest first: its drafts only, or everything else."""
        ...

    def soft_delete_thread(self, thread_id: UUID, at: datetime) -> bool: ...


class EventLog(Protocol):
    def append(
        self,
        organization_id: UUID,
        *,
        type: str,
        subject_id: UUID | None,
        dedup_key: str,
        payload: dict[str, object],
    ) -> None:
        """Append an event once: a second append with the same dedup_key is a no-op."""
        ...

    def read(self, after: int, limit: int, types: Sequence[str] = ()) -> Sequence[Event]:
        """The organisation's events after the event numbered `after` (0: from the first),
        in the order no transaction can change any more: an event appears once no
        transaction that could still append one before it is running. ValidationError when
        `after` is no event of the organisation."""
        ...


class UnitOfWork(Protocol):
    """One transaction; repositories scoped to one organisation, or unscoped for the system."""

    @property
    def organizations(self) -> OrganizationRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def domains(self) -> DomainRepository: ...

    @property
    def inboxes(self) -> InboxRepository: ...

    @property
    def rate_limits(self) -> RateLimitRepository: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def thread_index(self) -> ThreadIndex: ...

    @property
    def mailbox(self) -> MailboxReader: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def drafts(self) -> DraftRepository: ...


class UnitOfWorkFactory(Protocol):
    def __call__(
        self, organization_id: UUID | None, *, pipelined: bool = False
    ) -> AbstractContextManager[UnitOfWork]:
        """Open a unit of work for an organisation (tenant-scoped) or None (system-wide).

        `pipelined`: its statements are sent without waiting for each answer, only reads
        wait; an error surfaces at the next read or at the end, failing the unit of work, and
        a write cannot tell how many rows it changed."""
        ...


class DomainIdentities(Protocol):
    """The mail service's record of the domains it signs and sends for (SES identities)."""

    def create(self, domain: str, mail_from_domain: str) -> SesIdentity:
        """Create the identity (Easy DKIM, 2048-bit) with its MAIL FROM domain; idempotent."""
        ...

    def get(self, domain: str) -> SesIdentity | None: ...

    def delete(self, domain: str) -> None: ...


class Resolver(Protocol):
    def lookup(self, name: str, rtype: str) -> list[str] | None:
        """Answers for `name`/`rtype` as text ([] for none); None when the lookup failed."""
        ...


class ReceiptRecipients(Protocol):
    """The domains the inbound receipt rule accepts mail for."""

    def allow(self, domain: str) -> None: ...

    def disallow(self, domain: str) -> None: ...

    def reconcile(self, receiving: Collection[str], not_receiving: Collection[str]) -> None:
        """Make the list hold every domain of `receiving` and none of `not_receiving`,
        leaving other entries (configured at deploy time) alone."""
        ...


@dataclass(frozen=True, slots=True)
class ThreadLink:
    """Where a message id of an inbox belongs.

    `seen` is True when a stored message carries the id, False for a phantom:
    an id that stored messages reference but no stored message carries yet.
    """

    thread_id: UUID
    seen: bool


@dataclass(frozen=True, slots=True)
class SubjectActivity:
    """A thread of an inbox that carried a subject key, from `first_at` to `last_at`."""

    thread_id: UUID
    first_at: datetime
    last_at: datetime
    participants: frozenset[str]
    """Every sender, recipient and list of the thread's messages, the inbox's own address aside."""
    awaiting_parent: bool
    """The thread's top is a header-less reply whose conversation was not found yet."""


@dataclass(frozen=True, slots=True)
class ContextQuery:
    """What threading asks the index about one message (`mailman.threading.context_query`)."""

    inbox_id: UUID
    message_ids: tuple[str, ...]
    subject_keys: tuple[str, ...]
    """Asked only when a rule can use the answer; then `window` is given."""
    window: tuple[datetime, datetime] | None


@dataclass(frozen=True, slots=True)
class ThreadContext:
    """The index as one message's threading sees it (`ThreadIndex.contexts`)."""

    links: dict[str, ThreadLink]
    activity: dict[str, list[SubjectActivity]]
    """Every subject key asked for, in the order asked, with its overlapping threads."""


class ThreadIndex(Protocol):
    """What threading knows of an inbox's conversations (see `mailman.threading`).

    Per inbox: message id -> thread for every id a message carries or
    references (phantom rows for referenced, unseen ids); subject key -> thread
    with the first and last Date it was seen; per thread its participants and
    two flags: `rooted` (it holds a message that is no reply at all) and
    `loose` (it holds a header-less reply whose conversation was not found).
    A thread awaits a parent when it is loose and not rooted.
    """

    def lock(self, inbox_id: UUID) -> None:
        """Serialise threading in this inbox until the current transaction ends."""
        ...

    def links(self, inbox_id: UUID, message_ids: Sequence[str]) -> dict[str, ThreadLink]:
        """The known ids among `message_ids` (stored or phantom), each with its thread."""
        ...

    def contexts(self, queries: Sequence[ContextQuery]) -> list[ThreadContext]:
        """What threading reads for each message, all at once: the links of its ids and, per
        subject key, the threads whose [first_at, last_at] for it overlaps its window."""
        ...

    def create_thread(self, inbox_id: UUID, thread_id: UUID) -> None: ...

    def merge_threads(self, inbox_id: UUID, into: UUID, others: Collection[UUID]) -> None:
        """Move every id, subject key and participant of `others` to `into` and drop
        `others`; `into` becomes rooted or loose if any of them was."""
        ...

    def adopt_threads(self, inbox_id: UUID, into: UUID, others: Collection[UUID]) -> None:
        """Like `merge_threads`, but the adopted threads' parent is found: `into` keeps
        its own flags."""
        ...

    def add_ids(
        self, inbox_id: UUID, thread_id: UUID, *, seen: Sequence[str], referenced: Sequence[str]
    ) -> None:
        """Record `seen` ids as carried by a stored message of the thread (a phantom row
        becomes seen), and `referenced` ids not known yet as phantoms of the thread."""
        ...

    def add_activity(
        self,
        inbox_id: UUID,
        thread_id: UUID,
        *,
        subject_keys: Sequence[str],
        at: datetime | None,
        participants: Collection[str],
        starts_conversation: bool,
        awaits_parent: bool,
    ) -> None:
        """Add a message's participants and flags to the thread (`rooted` if it starts a
        conversation, `loose` if it awaits a parent) and, when `at` is given, widen each
        subject key's [first_at, last_at] to include it."""
        ...
