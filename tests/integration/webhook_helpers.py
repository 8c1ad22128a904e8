"""Webhook helpers shared by the integration tests: the API function's container given a key
file to seal secrets with and a resolver answering from a table, its routes given a publish
that records what it is handed (the pipeline's relay is not theirs to run), and rows put in
place as the fan-out and the pipeline would leave them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from functions.api import dependencies
from functions.api.routes import webhooks as webhook_routes
from mailman.adapters.secret_box import KeyFileSecretBox

from ..webhook_fakes import PUBLIC_HOSTS, RecordingPublish, TableResolver


@dataclass(frozen=True)
class WebhookFakes:
    box: KeyFileSecretBox
    resolver: TableResolver
    publish: RecordingPublish


def use_webhook_fakes(
    monkeypatch: pytest.MonkeyPatch, key_file: Path, *, test_wait: timedelta = timedelta(0)
) -> WebhookFakes:
    """Seal with a key file, resolve from `PUBLIC_HOSTS`, record what is published, and wait
    `test_wait` for a test's attempt."""
    function = dependencies.container()
    fakes = WebhookFakes(
        KeyFileSecretBox(key_file), TableResolver(PUBLIC_HOSTS), RecordingPublish()
    )
    monkeypatch.setitem(vars(function), "secret_box", fakes.box)
    monkeypatch.setitem(vars(function), "host_resolver", fakes.resolver)
    monkeypatch.setattr(webhook_routes, "publish", fakes.publish)
    monkeypatch.setattr(webhook_routes, "TEST_WAIT", test_wait)
    return fakes


def sql(database_url: str, statement: str, *params: Any) -> list[dict[str, Any]]:
    """`statement` as the owner (no row-level security), its rows as dictionaries."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        cursor = conn.execute(statement.encode(), params)
        if cursor.description is None:
            return []
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def settle(
    database_url: str,
    delivery_id: UUID,
    status: str,
    *,
    created_at: datetime | None = None,
    attempts: tuple[tuple[datetime, int | None], ...] = (),
    lease: UUID | None = None,
) -> None:
    """The delivery as the pipeline leaves it: its status, when it was made, its attempts
    (time, HTTP status), and a lease if it is being sent."""
    sql(
        database_url,
        "UPDATE webhook_deliveries SET status = %s, created_at = coalesce(%s, created_at), "
        "lease = %s, attempts = %s, "
        "delivered_at = CASE WHEN %s = 'delivered' THEN now() END, "
        "failed_at = CASE WHEN %s = 'failed' THEN now() END WHERE id = %s",
        status,
        created_at,
        lease,
        len(attempts),
        status,
        status,
        delivery_id,
    )
    for at, code in attempts:
        add_attempt(database_url, delivery_id, at, code)


def add_attempt(database_url: str, delivery_id: UUID, at: datetime, code: int | None) -> None:
    """An attempt as the recorder stores the dispatcher's report."""
    ok = code is not None and 200 <= code < 300
    sql(
        database_url,
        "INSERT INTO webhook_attempts (id, organization_id, delivery_id, endpoint_id, lease, "
        "attempted_at, latency_ms, status_code, error, response_body, outcome, trigger) "
        "SELECT %s, organization_id, id, endpoint_id, %s, %s, 35, %s, %s, %s, %s, "
        "  CASE WHEN test THEN 'test' WHEN automatic THEN 'automatic' ELSE 'manual' END "
        "FROM webhook_deliveries WHERE id = %s",
        uuid4(),
        uuid4(),
        at,
        code,
        None if code is not None else "timed out",
        "ok" if ok else "nope",
        "delivered" if ok else "failed",
        delivery_id,
    )
