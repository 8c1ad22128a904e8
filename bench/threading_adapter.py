"""Runs Mailman's threading under `../shared/threading-bench/evaluate.py`.

    PYTHONPATH=. .venv/bin/python ../shared/threading-bench/evaluate.py --no-baselines \
        --threader bench.threading_adapter:make_threader \
        --threader bench.threading_adapter:make_pg_threader

`make_threader` runs it over the in-memory index, `make_pg_threader` over the PostgreSQL
index (`DATABASE_URL`'s server, or an embedded one), one transaction per message as the
inbound function threads; both must give the same answer.

The bench delivers mailing-list traffic as one stream: every message goes to
one inbox, the list it was posted to stands for its recipient (the archive
keeps no To/Cc), and ids are parsed from the raw header values, as the inbound
service parses them. Keys returned at arrival are the thread at that moment;
`finalize()` answers the thread each message ended up in after later merges.
"""

from __future__ import annotations

import email.utils
import functools
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from mailman.adapters.memory.thread_index import InMemoryThreadIndex
from mailman.adapters.postgres.migrations import migrate
from mailman.composition import build_container
from mailman.config import Settings
from mailman.ports import ThreadIndex
from mailman.thread_resolution import ThreadingInput, assign_thread

IndexScope = Callable[[], AbstractContextManager[ThreadIndex]]
"""Gives the index for one message: the same dictionaries, or one PostgreSQL transaction."""

BENCH_INBOX = UUID("00000000-0000-4000-8000-00000000be4c")


def _date(value: str | None) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value or "")
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=UTC)


class EngineThreader:
    """The bench's threader protocol over `assign_thread` and a `ThreadIndex`."""

    def __init__(self, scope: IndexScope) -> None:
        self._scope = scope
        self._message_ids: dict[str, str] = {}

    def __call__(self, msg: dict[str, Any]) -> str:
        raw = msg.get("raw") or {}
        message = ThreadingInput.from_headers(
            BENCH_INBOX,
            message_id=msg.get("message_id") or f"<{msg['uid']}@missing-id.invalid>",
            in_reply_to=raw.get("in_reply_to"),
            references=raw.get("references"),
            subject=msg.get("subject"),
            date=_date(msg.get("date")),
            from_address=msg.get("from") or "",
            participants=[*(msg.get("to") or []), *filter(None, [msg.get("list_id")])],
        )
        self._message_ids[msg["uid"]] = message.message_id
        with self._scope() as index:
            return str(assign_thread(message, index).thread_id)

    def finalize(self) -> dict[str, str]:
        with self._scope() as index:
            links = index.links(BENCH_INBOX, list(set(self._message_ids.values())))
        return {uid: str(links[mid].thread_id) for uid, mid in self._message_ids.items()}


def make_threader() -> EngineThreader:
    """A fresh threader over an empty in-memory index, one per bench run."""
    index = InMemoryThreadIndex()
    return EngineThreader(lambda: nullcontext(index))


@functools.cache
def _server() -> str:
    """`DATABASE_URL`'s server, or an embedded one in a temporary directory."""
    given = os.environ.get("DATABASE_URL")
    if given:
        return given
    from local.postgres import start_embedded

    return start_embedded(Path(tempfile.mkdtemp(prefix="mailman-bench-")) / "pg", cleanup="delete")


def pg_threader_factory(server_conninfo: str) -> Callable[[], EngineThreader]:
    """Threaders over the real PostgreSQL index, each in a fresh migrated database of the server,
    one transaction per message as the inbound function threads."""

    def make() -> EngineThreader:
        from local.postgres import ensure_database

        url = ensure_database(server_conninfo, f"mailman_bench_{uuid.uuid4().hex[:12]}")
        migrate(url)
        organization_id = uuid.uuid4()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO organizations (id, name) VALUES (%s, 'bench')", [organization_id]
            )
            domain = conn.execute(
                "INSERT INTO domains (organization_id, name, unicode_name) "
                "VALUES (%s, 'bench.invalid', 'bench.invalid') RETURNING id",
                [organization_id],
            ).fetchone()
            assert domain is not None
            conn.execute(
                "INSERT INTO inboxes (id, organization_id, domain_id, local_part) "
                "VALUES (%s, %s, %s, 'list')",
                [BENCH_INBOX, organization_id, domain[0]],
            )
        container = build_container(Settings(database_url=url))

        @contextmanager
        def scope() -> Iterator[ThreadIndex]:
            with container.uow(organization_id) as work:
                yield work.thread_index

        return EngineThreader(scope)

    return make


def make_pg_threader() -> EngineThreader:
    """A fresh threader over the PostgreSQL index, one database per bench run."""
    return pg_threader_factory(_server())()
