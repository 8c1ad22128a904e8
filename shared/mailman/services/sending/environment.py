"""What the sending use cases need of the world around them."""

from __future__ import annotations

from dataclasses import dataclass

from mailman.ports import BlobStore, Clock, Mailer, Queue, UnitOfWorkFactory


@dataclass(frozen=True)
class Sending:
    """What sending needs: the store, the blob store, the outbound queue and a clock."""

    uow: UnitOfWorkFactory
    blobs: BlobStore
    queue: Queue
    clock: Clock


@dataclass(frozen=True)
class Outbound:
    """What handing off needs: the store, the blob store, the mail service, a clock, and the
    region whose SES sends (it names the Message-ID SES gives the mail)."""

    uow: UnitOfWorkFactory
    blobs: BlobStore
    mailer: Mailer
    clock: Clock
    region: str
