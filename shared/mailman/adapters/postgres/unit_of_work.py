"""`PostgresUnitOfWork`: the repositories of one transaction, and the factory that opens it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from mailman.adapters.postgres.api_keys import PostgresApiKeyRepository
from mailman.adapters.postgres.auth_keys import PostgresAuthKeyRepository
from mailman.adapters.postgres.database import Connection, Database
from mailman.adapters.postgres.delivery import PostgresDeliveryTracking
from mailman.adapters.postgres.domains import PostgresDomainRepository
from mailman.adapters.postgres.drafts import PostgresDraftRepository
from mailman.adapters.postgres.events import PostgresEventLog
from mailman.adapters.postgres.idempotency_keys import PostgresIdempotencyKeys
from mailman.adapters.postgres.inboxes import PostgresInboxRepository
from mailman.adapters.postgres.mailbox import PostgresMailboxReader
from mailman.adapters.postgres.messages import PostgresMessageRepository
from mailman.adapters.postgres.organizations import PostgresOrganizationRepository
from mailman.adapters.postgres.outbox import PostgresOutbox
from mailman.adapters.postgres.rate_limits import PostgresRateLimitRepository
from mailman.adapters.postgres.reputation import (
    PostgresDeliveryCountRepository,
    PostgresSendingBrake,
)
from mailman.adapters.postgres.suppressions import PostgresSuppressionList
from mailman.adapters.postgres.thread_index import PostgresThreadIndex
from mailman.adapters.postgres.uploads import PostgresUploads
from mailman.adapters.postgres.webhook_deliveries import PostgresWebhookDeliveries
from mailman.adapters.postgres.webhook_endpoints import PostgresWebhookEndpoints
from mailman.adapters.postgres.webhook_log import PostgresWebhookDeliveryLog
from mailman.domain.access import Caller


class PostgresUnitOfWork:
    """The repositories of one transaction."""

    def __init__(
        self, conn: Connection, organization_id: UUID | None, caller: Caller | None = None
    ) -> None:
        self.caller = caller
        self.organizations = PostgresOrganizationRepository(conn)
        self.api_keys = PostgresApiKeyRepository(conn)
        self.auth_keys = PostgresAuthKeyRepository(conn)
        self.domains = PostgresDomainRepository(conn)
        self.inboxes = PostgresInboxRepository(conn)
        self.rate_limits = PostgresRateLimitRepository(conn)
        self.events = PostgresEventLog(conn)
        self.messages = PostgresMessageRepository(conn)
        self.mailbox = PostgresMailboxReader(conn)
        self.outbox = PostgresOutbox(conn)
        self.idempotency_keys = PostgresIdempotencyKeys(conn, organization_id)
        self.uploads = PostgresUploads(conn, organization_id)
        self.suppressions = PostgresSuppressionList(conn, organization_id)
        self.drafts = PostgresDraftRepository(conn)
        self.delivery = PostgresDeliveryTracking(conn)
        self.delivery_counts = PostgresDeliveryCountRepository(conn)
        self.sending_brake = PostgresSendingBrake(conn)
        self.webhook_endpoints = PostgresWebhookEndpoints(conn)
        self.webhook_log = PostgresWebhookDeliveryLog(conn)
        self.webhook_deliveries = PostgresWebhookDeliveries(conn)
        self._conn = conn
        self._organization_id = organization_id

    @property
    def thread_index(self) -> PostgresThreadIndex:
        """Threading's index; only a tenant's unit of work has one."""
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
