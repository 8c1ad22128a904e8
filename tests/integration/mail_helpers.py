"""Receiving helpers shared by the integration tests: a verified domain with an inbox,
mail to send it, and the service call that takes it in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from mailman.adapters.s3 import S3BlobStore
from mailman.composition import Container
from mailman.domain.inbound import InboundMail
from mailman.services.receiving import Scanning, receive

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class MailSink:
    """Where the tests deliver mail: example.com verified to receive, with a support inbox."""

    container: Container
    blobs: S3BlobStore
    database_url: str
    organization_id: UUID
    support: UUID


def receive_raw(box: MailSink, raw: bytes, source_id: str = "ses-1", **kwargs: Any) -> Any:
    return receive(
        box.container.uow,
        box.blobs,
        InboundMail(
            source="ses",
            source_id=source_id,
            received_at=kwargs.pop("received_at", datetime.now(UTC)),
            envelope_recipients=tuple(kwargs.pop("envelope", ("support@example.com",))),
            verdicts=kwargs.pop("verdicts", {"spam": "PASS", "virus": "PASS"}),
            dmarc_policy=kwargs.pop("dmarc_policy", None),
        ),
        raw,
        scanning=scanning(box.container),
    )


def scanning(container: Container) -> Scanning:
    """The container's scanner (off, where no clamd is configured) and its bound."""
    return Scanning(container.scanner, container.settings.scan_attempts)


def rows(box: MailSink, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(box.database_url) as conn:
        return conn.execute(sql, params).fetchall()


def mailbox_counts(box: MailSink) -> dict[str, tuple[int, int]]:
    """The support inbox's `mailbox_counts` (facet: total, unread), the zeros left out."""
    found = rows(
        box,
        "SELECT facet, total, unread FROM mailbox_counts WHERE inbox_id = %s "
        "AND (total <> 0 OR unread <> 0)",
        box.support,
    )
    return {facet: (total, unread) for facet, total, unread in found}


def recounted(box: MailSink) -> dict[str, tuple[int, int]]:
    """The same figures counted from the messages themselves (mail marked for erasure counts
    nowhere, as quarantined mail does: migration 0023)."""
    found = rows(
        box,
        "SELECT f, count(*), count(*) FILTER (WHERE NOT is_read) FROM messages m, "
        "unnest(mailbox_facets(m.folder, m.quarantined OR m.erase_requested_at IS NOT NULL, "
        "m.is_read, m.starred, m.labels, "
        "m.attachment_count, m.direction, m.from_address)) f WHERE inbox_id = %s GROUP BY f",
        box.support,
    )
    return {facet: (total, unread) for facet, total, unread in found}
