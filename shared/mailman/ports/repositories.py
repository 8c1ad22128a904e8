"""Repositories: what a unit of work reads and writes of each kind of record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from mailman.domain.api_keys import ApiKeyRecord
    from mailman.domain.auth_keys import AuthKey, AuthKeyUse, NewAuthKey
    from mailman.domain.delivery_history import DeliveryEventView, DeliveryOverview
    from mailman.domain.dns_records import DnsRecord
    from mailman.domain.events import Event, NewEvent
    from mailman.domain.inbound import UnroutableMail
    from mailman.domain.mailbox import (
        DeliveryFilter,
        MessageListing,
        MessageView,
        ThreadSummary,
        TimeWindow,
    )
    from mailman.domain.mailbox_state import MailboxFilter
    from mailman.domain.messages import NewMessage, StoredMessage, ThreadEntry
    from mailman.domain.models import (
        ApiKey,
        Domain,
        Inbox,
        KeyUse,
        NewDomain,
        NewInbox,
        Organization,
        Sender,
    )
    from mailman.domain.pagination import Cursor, PageRequest
    from mailman.domain.ratelimit import BucketState, RequestLimits
    from mailman.domain.routing import RoutingEntry
    from mailman.domain.verification import Assessment


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
    def add(self, key: ApiKeyRecord) -> ApiKey: ...

    def get(self, key_id: UUID) -> ApiKey | None: ...

    def use(self, key_hash: str, limits: RequestLimits, at: datetime) -> KeyUse | None:
        """The key with this hash and its organisation, unless the organisation is deleted;
        when the key is active at `at`, mark it used (`last_used_at`, written at most once a
        minute) and take one request's token from the key's bucket and one from its
        organisation's, or from neither when either is empty (`limits` for a key or an
        organisation without its own rate)."""
        ...

    def list(self, page: PageRequest) -> list[ApiKey]: ...

    def count_live(self, organization_id: UUID, at: datetime) -> int:
        """The organisation's keys neither revoked nor expired at `at`."""
        ...

    def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None: ...

    def revoke_all(self, organization_id: UUID, at: datetime) -> int:
        """Revoke every key of the organisation not revoked yet; answer how many."""
        ...


class AuthKeyRepository(Protocol):
    """The public keys that sign an organisation's tokens (`auth_keys`)."""

    def add(self, key: NewAuthKey) -> AuthKey:
        """Register the key; Conflict when the organisation has a live key of its kid."""
        ...

    def get(self, key_id: UUID) -> AuthKey | None: ...

    def list(self, page: PageRequest) -> list[AuthKey]:
        """Every key, revoked ones too, oldest first (a keyset page and one more)."""
        ...

    def revoke(self, key_id: UUID, at: datetime) -> AuthKey | None:
        """Revoke the key (a revoked key keeps its first revocation's time)."""
        ...

    def find_live(self, organization_id: UUID, kid: str) -> AuthKey | None:
        """The organisation's live key of this kid, unless the organisation is deleted: read
        in the system's unit of work, before a token's organisation is trusted."""
        ...

    def use(
        self,
        key_id: UUID,
        subject: str,
        addresses: Sequence[str],
        limits: RequestLimits,
        at: datetime,
    ) -> AuthKeyUse:
        """A verified token's request, in one statement: whether its key is still live; if
        so, the ids of the organisation's live inboxes of the (lower-case) `addresses`, the
        key's touch (`last_used_at`, written at most once a minute) and one request's token
        from the bucket of (organisation, `subject`) and one from the organisation's, or from
        neither when either is empty (`limits.key_per_minute` for the subject's,
        `limits.organization_per_minute` for an organisation without a rate of its own)."""
        ...


class DomainRepository(Protocol):
    def add(self, domain: NewDomain) -> Domain: ...

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

    def save_verification(self, domain_id: UUID, outcome: Assessment) -> None:
        """Store a check's outcome (its column changes and record states);
        `VerifiedElsewhere` (nothing stored) when it makes the domain verified while another
        live domain of its name is."""
        ...

    def claim_due(self, at: datetime, limit: int, lease_until: datetime) -> Sequence[Domain]:
        """Domains (of every organisation) due a check, leased so no other run takes them."""
        ...


class InboxRepository(Protocol):
    def add(self, inbox: NewInbox) -> Inbox: ...

    def get(self, inbox_id: UUID) -> Inbox | None: ...

    def sender(self, inbox_id: UUID) -> Sender | None:
        """The live inbox with its domain and records, and the transaction's time."""
        ...

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
    def take_failure(self, source: str, *, per_minute: int, at: datetime) -> BucketState:
        """Take a token from the bucket of failed authentications of a source address, if it
        holds one; answer the bucket after."""
        ...


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
        """Recompute the thread's count, latest activity and preview (its unread count is kept
        as its messages change: migration 0020) of its messages outside trash, or of all of
        them when every one is in trash; and its `deleted_at`: cleared when a message is
        outside trash, set (now, unless set already) when all are in it. A thread left with
        no message counts none and lists nowhere."""
        ...

    def note_in_thread(self, entry: ThreadEntry) -> None:
        """Count one more message (outside trash) in the thread's listing columns, without
        recounting. A thread wholly in trash comes back with it: its `deleted_at` is cleared
        and its columns start again from this message."""
        ...

    def add_unroutable(self, mail: UnroutableMail) -> bool:
        """Record mail no inbox takes, and why; False when it was recorded already."""
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
        self,
        inbox_id: UUID,
        limit: int,
        after: Cursor | None,
        *,
        delivery_status: DeliveryFilter | None = None,
        filters: MailboxFilter | None = None,
        window: TimeWindow | None = None,
    ) -> Sequence[ThreadSummary]:
        """Live threads (and, in trash, deleted ones) with a message of the facet
        `filters.driving_facet()` (None: no filter), newest activity of that facet first
        (`ThreadSummary.listed_at`, within `window`), carrying the facets `filters` requires
        and none it excludes; with `delivery_status`, those with a live message it matches
        (`DeliveryFilter.matches`)."""
        ...

    def thread(self, thread_id: UUID) -> ThreadSummary | None:
        """A thread by id, a thread wholly in trash too (one left with no message is gone)."""
        ...

    def thread_messages(self, thread_id: UUID) -> Sequence[MessageView]:
        """Its messages outside trash, oldest first; all of them when every one is in trash."""
        ...

    def message(self, message_id: UUID) -> MessageView | None:
        """A message by id, in trash too."""
        ...

    def messages(self, listing: MessageListing) -> Sequence[MessageView]: ...

    def delivery(self, message_id: UUID) -> DeliveryOverview | None:
        """A message's status and its recipients' delivery state (in trash too)."""
        ...

    def delivery_events(
        self, message_id: UUID, limit: int, after: Cursor | None
    ) -> Sequence[DeliveryEventView]:
        """The message's delivery events oldest first (by `occurred_at`, then id), after the
        cursor (`occurred_at`, id) of the previous page's last."""
        ...


class EventLog(Protocol):
    def append(self, event: NewEvent) -> None:
        """Append an event once: a second append with the same dedup_key is a no-op."""
        ...

    def append_many(self, events: Sequence[NewEvent]) -> None:
        """Append each event once, in order, as `append` does, in one statement."""
        ...

    def read(self, after: int, limit: int, types: Sequence[str] = ()) -> Sequence[Event]:
        """The organisation's events after the event numbered `after` (0: from the first),
        in the order no transaction can change any more: an event appears once no
        transaction that could still append one before it is running. ValidationError when
        `after` is no event of the organisation."""
        ...

    def latest(self, limit: int) -> Sequence[Event]:
        """The organisation's last `limit` events of those `read` shows now, oldest first:
        reading on after the last of them reads only what follows it."""
        ...
