"""Fixtures shared by every kind of test: a PostgreSQL server and a fresh database per test."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

# Powertools reads these when the handler modules are imported.
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "mailman-test")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "MailmanTest")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from local.postgres import drop_database, ensure_database, start_embedded
from mailman.adapters.postgres.migrations import migrate

TEMPLATE = "mailman_test_template"
NOT_DURABLE = [
    psycopg.sql.Identifier(name) for name in ("fsync", "synchronous_commit", "full_page_writes")
]


@pytest.fixture(scope="session")
def pg_server() -> str:
    """A server to create test databases on: `DATABASE_URL`'s, or an embedded one.

    The embedded one lives outside pytest's own temporary directories, which a second pytest
    run on the same machine prunes (three runs are kept), data directory and all. It is
    thrown away with the run, so it keeps nothing durable: no commit waits for its WAL to
    reach the disk, nor does a new database wait for its few hundred files to.
    """
    given = os.environ.get("DATABASE_URL")
    if given:
        return given
    server = start_embedded(
        Path(tempfile.mkdtemp(prefix="mailman-test-pg-")) / "data", cleanup="delete"
    )
    with psycopg.connect(server, autocommit=True) as conn:
        for setting in NOT_DURABLE:
            conn.execute(psycopg.sql.SQL("ALTER SYSTEM SET {} = off").format(setting))
        conn.execute("SELECT pg_reload_conf()")
    return server


@pytest.fixture(scope="session")
def template_database(pg_server: str) -> str:
    drop_database(pg_server, TEMPLATE)
    migrate(ensure_database(pg_server, TEMPLATE))
    return TEMPLATE


@pytest.fixture
def database_url(pg_server: str, template_database: str) -> Iterator[str]:
    """A migrated database of the test's own, dropped afterwards."""
    name = f"mailman_test_{uuid.uuid4().hex[:12]}"
    url = ensure_database(pg_server, name, template=template_database)
    yield url
    drop_database(pg_server, name)
