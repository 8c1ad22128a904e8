"""The unit of work: one transaction and the repositories that share it."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from mailman.ports.delivery import DeliveryTracking
from mailman.ports.dmarc import DmarcReportRepository
from mailman.ports.mailbox import FolderRepository, MailboxMarks
from mailman.ports.outgoing import IdempotencyKeys, Outbox, SuppressionList, Uploads
from mailman.ports.repositories import (
    ApiKeyRepository,
    AuthKeyRepository,
    DomainRepository,
    DraftRepository,
    EventLog,
    InboxRepository,
    MailboxReader,
    MessageRepository,
    OrganizationRepository,
    RateLimitRepository,
)
from mailman.ports.reputation import DeliveryCountRepository, SendingBrake
from mailman.ports.search import SearchIndex
from mailman.ports.trash import TrashRepository
from mailman.ports.webhooks import WebhookDeliveries, WebhookDeliveryLog, WebhookEndpoints

if TYPE_CHECKING:
    from mailman.domain.access import Caller
    from mailman.domain.threads import ThreadIndex


class UnitOfWork(Protocol):
    """One transaction; repositories scoped to one organisation, or unscoped for the system."""

    @property
    def caller(self) -> Caller | None:
        """The credential the transaction acts for (`UnitOfWorkFactory`'s `caller`): a
        use case asks it only for what row-level security cannot say for it."""
        ...

    @property
    def organizations(self) -> OrganizationRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def auth_keys(self) -> AuthKeyRepository: ...

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
    def folders(self) -> FolderRepository: ...

    @property
    def marks(self) -> MailboxMarks: ...

    @property
    def search(self) -> SearchIndex: ...

    @property
    def trash(self) -> TrashRepository: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def idempotency_keys(self) -> IdempotencyKeys: ...

    @property
    def uploads(self) -> Uploads: ...

    @property
    def suppressions(self) -> SuppressionList: ...

    @property
    def drafts(self) -> DraftRepository: ...

    @property
    def delivery(self) -> DeliveryTracking: ...

    @property
    def delivery_counts(self) -> DeliveryCountRepository: ...

    @property
    def sending_brake(self) -> SendingBrake: ...

    @property
    def dmarc(self) -> DmarcReportRepository: ...

    @property
    def webhook_endpoints(self) -> WebhookEndpoints: ...

    @property
    def webhook_log(self) -> WebhookDeliveryLog: ...

    @property
    def webhook_deliveries(self) -> WebhookDeliveries: ...


class UnitOfWorkFactory(Protocol):
    def __call__(
        self,
        organization_id: UUID | None,
        *,
        pipelined: bool = False,
        autocommit: bool = False,
        caller: Caller | None = None,
    ) -> AbstractContextManager[UnitOfWork]:
        """Open a unit of work for an organisation (tenant-scoped) or None (system-wide).

        `caller` (tenant-scoped only): the credential an API request acts as. A caller bound
        to inboxes sees no other inbox, nor its threads, messages, events or webhook
        endpoints; each event appended records the caller (`Caller.actor`).

        `pipelined`: its statements are sent without waiting for each answer, only reads
        wait; an error surfaces at the next read or at the end, failing the unit of work, and
        a write cannot tell how many rows it changed.

        `autocommit` (system-wide only): each statement commits by itself, with no BEGIN or
        COMMIT around them, so one statement costs one round trip; for work whose statements
        are each whole alone (an error undoes only its own statement)."""
        ...
