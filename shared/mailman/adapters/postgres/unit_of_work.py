"""`PostgresUnitOfWork`: the repositories of one transaction, and the factory that opens it."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from uuid import UUID

from mailman.adapters.postgres.database import Connection, Database

if TYPE_CHECKING:
    from mailman.adapters.postgres.api_keys import PostgresApiKeyRepository
    from mailman.adapters.postgres.auth_keys import PostgresAuthKeyRepository
    from mailman.adapters.postgres.delivery import PostgresDeliveryTracking
    from mailman.adapters.postgres.dmarc import PostgresDmarcReportRepository
    from mailman.adapters.postgres.domains import PostgresDomainRepository
    from mailman.adapters.postgres.drafts import PostgresDraftRepository
    from mailman.adapters.postgres.events import PostgresEventLog
    from mailman.adapters.postgres.folders import PostgresFolderRepository
    from mailman.adapters.postgres.idempotency_keys import PostgresIdempotencyKeys
    from mailman.adapters.postgres.inboxes import PostgresInboxRepository
    from mailman.adapters.postgres.mailbox import PostgresMailboxReader
    from mailman.adapters.postgres.marks import PostgresMailboxMarks
    from mailman.adapters.postgres.messages import PostgresMessageRepository
    from mailman.adapters.postgres.organizations import PostgresOrganizationRepository
    from mailman.adapters.postgres.outbox import PostgresOutbox
    from mailman.adapters.postgres.rate_limits import PostgresRateLimitRepository
    from mailman.adapters.postgres.reputation import (
        PostgresDeliveryCountRepository,
        PostgresSendingBrake,
    )
    from mailman.adapters.postgres.search import PostgresSearchIndex
    from mailman.adapters.postgres.suppressions import PostgresSuppressionList
    from mailman.adapters.postgres.thread_index import PostgresThreadIndex
    from mailman.adapters.postgres.trash import PostgresTrashRepository
    from mailman.adapters.postgres.uploads import PostgresUploads
    from mailman.adapters.postgres.webhook_deliveries import PostgresWebhookDeliveries
    from mailman.adapters.postgres.webhook_endpoints import PostgresWebhookEndpoints
    from mailman.adapters.postgres.webhook_log import PostgresWebhookDeliveryLog
    from mailman.domain.access import Caller


class PostgresUnitOfWork:
    """The repositories of one transaction. Each is made, and its module imported, when the
    transaction first uses it: a function's first transaction loads the repositories (and the
    domain types behind them) that it uses, not all of them."""

    def __init__(
        self, conn: Connection, organization_id: UUID | None, caller: Caller | None = None
    ) -> None:
        self.caller = caller
        self._conn = conn
        self._organization_id = organization_id

    @functools.cached_property
    def organizations(self) -> PostgresOrganizationRepository:
        from mailman.adapters.postgres.organizations import PostgresOrganizationRepository

        return PostgresOrganizationRepository(self._conn)

    @functools.cached_property
    def api_keys(self) -> PostgresApiKeyRepository:
        from mailman.adapters.postgres.api_keys import PostgresApiKeyRepository

        return PostgresApiKeyRepository(self._conn)

    @functools.cached_property
    def auth_keys(self) -> PostgresAuthKeyRepository:
        from mailman.adapters.postgres.auth_keys import PostgresAuthKeyRepository

        return PostgresAuthKeyRepository(self._conn)

    @functools.cached_property
    def domains(self) -> PostgresDomainRepository:
        from mailman.adapters.postgres.domains import PostgresDomainRepository

        return PostgresDomainRepository(self._conn)

    @functools.cached_property
    def inboxes(self) -> PostgresInboxRepository:
        from mailman.adapters.postgres.inboxes import PostgresInboxRepository

        return PostgresInboxRepository(self._conn)

    @functools.cached_property
    def rate_limits(self) -> PostgresRateLimitRepository:
        from mailman.adapters.postgres.rate_limits import PostgresRateLimitRepository

        return PostgresRateLimitRepository(self._conn)

    @functools.cached_property
    def events(self) -> PostgresEventLog:
        from mailman.adapters.postgres.events import PostgresEventLog

        return PostgresEventLog(self._conn)

    @functools.cached_property
    def messages(self) -> PostgresMessageRepository:
        from mailman.adapters.postgres.messages import PostgresMessageRepository

        return PostgresMessageRepository(self._conn)

    @functools.cached_property
    def mailbox(self) -> PostgresMailboxReader:
        from mailman.adapters.postgres.mailbox import PostgresMailboxReader

        return PostgresMailboxReader(self._conn)

    @functools.cached_property
    def folders(self) -> PostgresFolderRepository:
        from mailman.adapters.postgres.folders import PostgresFolderRepository

        return PostgresFolderRepository(self._conn)

    @functools.cached_property
    def marks(self) -> PostgresMailboxMarks:
        from mailman.adapters.postgres.marks import PostgresMailboxMarks

        return PostgresMailboxMarks(self._conn)

    @functools.cached_property
    def search(self) -> PostgresSearchIndex:
        from mailman.adapters.postgres.search import PostgresSearchIndex

        return PostgresSearchIndex(self._conn)

    @functools.cached_property
    def trash(self) -> PostgresTrashRepository:
        from mailman.adapters.postgres.trash import PostgresTrashRepository

        return PostgresTrashRepository(self._conn)

    @functools.cached_property
    def outbox(self) -> PostgresOutbox:
        from mailman.adapters.postgres.outbox import PostgresOutbox

        return PostgresOutbox(self._conn)

    @functools.cached_property
    def idempotency_keys(self) -> PostgresIdempotencyKeys:
        from mailman.adapters.postgres.idempotency_keys import PostgresIdempotencyKeys

        return PostgresIdempotencyKeys(self._conn, self._organization_id)

    @functools.cached_property
    def uploads(self) -> PostgresUploads:
        from mailman.adapters.postgres.uploads import PostgresUploads

        return PostgresUploads(self._conn, self._organization_id)

    @functools.cached_property
    def suppressions(self) -> PostgresSuppressionList:
        from mailman.adapters.postgres.suppressions import PostgresSuppressionList

        return PostgresSuppressionList(self._conn, self._organization_id)

    @functools.cached_property
    def drafts(self) -> PostgresDraftRepository:
        from mailman.adapters.postgres.drafts import PostgresDraftRepository

        return PostgresDraftRepository(self._conn)

    @functools.cached_property
    def delivery(self) -> PostgresDeliveryTracking:
        from mailman.adapters.postgres.delivery import PostgresDeliveryTracking

        return PostgresDeliveryTracking(self._conn)

    @functools.cached_property
    def delivery_counts(self) -> PostgresDeliveryCountRepository:
        from mailman.adapters.postgres.reputation import PostgresDeliveryCountRepository

        return PostgresDeliveryCountRepository(self._conn)

    @functools.cached_property
    def sending_brake(self) -> PostgresSendingBrake:
        from mailman.adapters.postgres.reputation import PostgresSendingBrake

        return PostgresSendingBrake(self._conn)

    @functools.cached_property
    def dmarc(self) -> PostgresDmarcReportRepository:
        from mailman.adapters.postgres.dmarc import PostgresDmarcReportRepository

        return PostgresDmarcReportRepository(self._conn)

    @functools.cached_property
    def webhook_endpoints(self) -> PostgresWebhookEndpoints:
        from mailman.adapters.postgres.webhook_endpoints import PostgresWebhookEndpoints

        return PostgresWebhookEndpoints(self._conn)

    @functools.cached_property
    def webhook_log(self) -> PostgresWebhookDeliveryLog:
        from mailman.adapters.postgres.webhook_log import PostgresWebhookDeliveryLog

        return PostgresWebhookDeliveryLog(self._conn)

    @functools.cached_property
    def webhook_deliveries(self) -> PostgresWebhookDeliveries:
        from mailman.adapters.postgres.webhook_deliveries import PostgresWebhookDeliveries

        return PostgresWebhookDeliveries(self._conn)

    @property
    def thread_index(self) -> PostgresThreadIndex:
        """Threading's index; only a tenant's unit of work has one."""
        from mailman.adapters.postgres.thread_index import PostgresThreadIndex

        assert self._organization_id is not None, "threading runs in a tenant's transaction"
        return PostgresThreadIndex(self._conn, self._organization_id)


class PostgresUnitOfWorkFactory:
    def __init__(self, database: Database) -> None:
        self._database = database

    @contextmanager
    def __call__(
        self,
        organization_id: UUID | None,
        *,
        pipelined: bool = False,
        autocommit: bool = False,
        caller: Caller | None = None,
    ) -> Iterator[PostgresUnitOfWork]:
        with self._database.transaction(
            organization_id, pipelined=pipelined, autocommit=autocommit, caller=caller
        ) as conn:
            yield PostgresUnitOfWork(conn, organization_id, caller)
