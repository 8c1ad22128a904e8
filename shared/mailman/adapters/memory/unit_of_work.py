"""`InMemoryUnitOfWork` and its factory: the `UnitOfWork` port over the in-memory tables.

A unit of work opened for an organisation sees that organisation's rows only (row-level
security's part); opened for None, every row. When its block ends cleanly it is `committed`;
when the block raises, the tables are put back as they were when it opened, so nothing it
did is kept, as a rolled-back transaction keeps nothing.

Each repository is declared as its port, so that mypy holds the fakes to the ports.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from uuid import UUID

from mailman.adapters.memory.api_keys import InMemoryApiKeyRepository
from mailman.adapters.memory.auth_keys import InMemoryAuthKeyRepository
from mailman.adapters.memory.delivery import InMemoryDeliveryTracking
from mailman.adapters.memory.dmarc import InMemoryDmarcReportRepository
from mailman.adapters.memory.domains import InMemoryDomainRepository
from mailman.adapters.memory.drafts import InMemoryDraftRepository
from mailman.adapters.memory.events import InMemoryEventLog
from mailman.adapters.memory.folders import InMemoryFolderRepository, InMemoryMailboxMarks
from mailman.adapters.memory.idempotency_keys import InMemoryIdempotencyKeys
from mailman.adapters.memory.inboxes import InMemoryInboxRepository
from mailman.adapters.memory.mailbox import InMemoryMailboxReader
from mailman.adapters.memory.messages import InMemoryMessageRepository
from mailman.adapters.memory.organizations import InMemoryOrganizationRepository
from mailman.adapters.memory.outbox import InMemoryOutbox
from mailman.adapters.memory.rate_limits import InMemoryRateLimitRepository
from mailman.adapters.memory.reputation import (
    InMemoryDeliveryCountRepository,
    InMemorySendingBrake,
)
from mailman.adapters.memory.search import InMemorySearchIndex
from mailman.adapters.memory.suppressions import InMemorySuppressionList
from mailman.adapters.memory.tables import Scope, Tables
from mailman.adapters.memory.threads import InMemoryThreads
from mailman.adapters.memory.trash import InMemoryTrashRepository
from mailman.adapters.memory.uploads import InMemoryUploads
from mailman.adapters.memory.webhook_deliveries import InMemoryWebhookDeliveries
from mailman.adapters.memory.webhook_endpoints import InMemoryWebhookEndpoints
from mailman.adapters.memory.webhook_log import InMemoryWebhookDeliveryLog
from mailman.domain.access import Caller
from mailman.ports import (
    ApiKeyRepository,
    AuthKeyRepository,
    Clock,
    DeliveryCountRepository,
    DeliveryTracking,
    DmarcReportRepository,
    DomainRepository,
    DraftRepository,
    EventLog,
    FolderRepository,
    IdempotencyKeys,
    InboxRepository,
    MailboxMarks,
    MailboxReader,
    MessageRepository,
    OrganizationRepository,
    Outbox,
    RateLimitRepository,
    SearchIndex,
    SendingBrake,
    SuppressionList,
    ThreadIndex,
    TrashRepository,
    UnitOfWorkFactory,
    Uploads,
    WebhookDeliveries,
    WebhookDeliveryLog,
    WebhookEndpoints,
)


class InMemoryUnitOfWork:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope
        self.organization_id = scope.organization_id
        self.caller = scope.caller
        self.committed = False
        self.organizations: OrganizationRepository = InMemoryOrganizationRepository(scope)
        self.api_keys: ApiKeyRepository = InMemoryApiKeyRepository(scope)
        self.auth_keys: AuthKeyRepository = InMemoryAuthKeyRepository(scope)
        self.domains: DomainRepository = InMemoryDomainRepository(scope)
        self.inboxes: InboxRepository = InMemoryInboxRepository(scope)
        self.rate_limits: RateLimitRepository = InMemoryRateLimitRepository(scope)
        self.events: EventLog = InMemoryEventLog(scope)
        self.messages: MessageRepository = InMemoryMessageRepository(scope)
        self.mailbox: MailboxReader = InMemoryMailboxReader(scope)
        self.folders: FolderRepository = InMemoryFolderRepository(scope)
        self.marks: MailboxMarks = InMemoryMailboxMarks(scope)
        self.search: SearchIndex = InMemorySearchIndex(scope)
        self.trash: TrashRepository = InMemoryTrashRepository(scope)
        self.outbox: Outbox = InMemoryOutbox(scope)
        self.idempotency_keys: IdempotencyKeys = InMemoryIdempotencyKeys(scope)
        self.uploads: Uploads = InMemoryUploads(scope)
        self.suppressions: SuppressionList = InMemorySuppressionList(scope)
        self.drafts: DraftRepository = InMemoryDraftRepository(scope)
        self.delivery: DeliveryTracking = InMemoryDeliveryTracking(scope)
        self.delivery_counts: DeliveryCountRepository = InMemoryDeliveryCountRepository(scope)
        self.sending_brake: SendingBrake = InMemorySendingBrake(scope)
        self.dmarc: DmarcReportRepository = InMemoryDmarcReportRepository(scope)
        self.webhook_endpoints: WebhookEndpoints = InMemoryWebhookEndpoints(scope)
        self.webhook_log: WebhookDeliveryLog = InMemoryWebhookDeliveryLog(scope)
        self.webhook_deliveries: WebhookDeliveries = InMemoryWebhookDeliveries(scope)

    @property
    def thread_index(self) -> ThreadIndex:
        """Threading's index; only a tenant's unit of work has one."""
        assert self.organization_id is not None, "threading runs in a tenant's transaction"
        return InMemoryThreads(self._scope, self.organization_id)


class InMemoryUnitOfWorkFactory:
    """Opens units of work over one set of tables, stamping rows with `clock`'s time; keeps
    every unit it opened (`units`), for tests to see which committed."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.tables = Tables()
        self.units: list[InMemoryUnitOfWork] = []

    @contextmanager
    def __call__(
        self,
        organization_id: UUID | None,
        *,
        pipelined: bool = False,
        autocommit: bool = False,
        caller: Caller | None = None,
    ) -> Iterator[InMemoryUnitOfWork]:
        """`pipelined` changes nothing: every statement here is answered at once; nor does
        `autocommit`: the unit of work is kept whole or undone whole."""
        assert caller is None or organization_id == caller.organization_id, "its own tenant"
        snapshot = copy.deepcopy(self.tables)
        work = InMemoryUnitOfWork(Scope(self.tables, organization_id, self.clock, caller))
        self.units.append(work)
        try:
            yield work
        except BaseException:
            vars(self.tables).update(vars(snapshot))
            raise
        work.committed = True


if TYPE_CHECKING:
    _factory: type[UnitOfWorkFactory] = InMemoryUnitOfWorkFactory
