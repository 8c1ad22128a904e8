"""The ports the services depend on, as `typing.Protocol`s named by role, one module per
concern: `repositories`, `unit_of_work`, `outgoing` (mail on its way), `delivery` (what SES
reported of it), `dmarc` (the DMARC reports a domain receives), `reputation` (the delivery
counts and the sending brake) and `services` (the world around). `ThreadIndex` is defined
in `mailman.domain.threads`, beside the values it takes and answers, so that thread
resolution needs nothing but the domain.

The ports name the domain's types for type checking only: importing a port loads no domain
module (a function's cold start pays for the domain its first request uses, not for every
type some port mentions). `ThreadIndex` is loaded from the domain when first asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
from mailman.ports.scanning import Scanner
from mailman.ports.search import SearchIndex
from mailman.ports.services import (
    BlobStore,
    Clock,
    DomainIdentities,
    Mailer,
    Queue,
    ReceiptRecipients,
    Resolver,
    TokenVerifier,
)
from mailman.ports.trash import TrashRepository
from mailman.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from mailman.ports.webhooks import (
    HostResolver,
    HttpSender,
    ReportQueue,
    SecretBox,
    WebhookDeliveries,
    WebhookDeliveryLog,
    WebhookEndpoints,
    WebhookQueue,
)

if TYPE_CHECKING:
    from mailman.domain.threads import ThreadIndex


def __getattr__(name: str) -> object:
    if name != "ThreadIndex":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from mailman.domain.threads import ThreadIndex

    globals()[name] = ThreadIndex
    return ThreadIndex


__all__ = [
    "ApiKeyRepository",
    "AuthKeyRepository",
    "BlobStore",
    "Clock",
    "DeliveryCountRepository",
    "DeliveryTracking",
    "DmarcReportRepository",
    "DomainIdentities",
    "DomainRepository",
    "DraftRepository",
    "EventLog",
    "FolderRepository",
    "HostResolver",
    "HttpSender",
    "IdempotencyKeys",
    "InboxRepository",
    "MailboxMarks",
    "MailboxReader",
    "Mailer",
    "MessageRepository",
    "OrganizationRepository",
    "Outbox",
    "Queue",
    "RateLimitRepository",
    "ReceiptRecipients",
    "ReportQueue",
    "Resolver",
    "Scanner",
    "SearchIndex",
    "SecretBox",
    "SendingBrake",
    "SuppressionList",
    "ThreadIndex",
    "TokenVerifier",
    "TrashRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "Uploads",
    "WebhookDeliveries",
    "WebhookDeliveryLog",
    "WebhookEndpoints",
    "WebhookQueue",
]
