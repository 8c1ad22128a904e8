"""One PostgreSQL connection per Lambda container, reused across invocations.

The connection is opened on first use, reopened after it breaks, and runs in autocommit mode
with explicit transactions. By default it never prepares statements server-side
(`prepare_threshold=None`), so that RDS Proxy can multiplex it: a prepared statement pins
the client's session to one database connection until it closes. A function whose
concurrency is bounded and whose statements repeat (a queue consumer) may ask for prepared
statements instead: its pinned sessions number at most its concurrency, and PostgreSQL no
longer plans the same statements for every message (measured in `bench/ingest.py`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow, dict_row

from mailman.domain.access import Caller
from mailman.domain.errors import StorageError

Connection = psycopg.Connection[DictRow]


def conninfo_from_secret(secret: str, *, host: str | None, dbname: str | None) -> str:
    """Build a conninfo from an RDS-generated Secrets Manager secret (JSON)."""
    values: dict[str, Any] = json.loads(secret)
    return make_conninfo(
        host=host or values["host"],
        port=str(values.get("port", 5432)),
        dbname=dbname or values.get("dbname", "postgres"),
        user=values["username"],
        password=values["password"],
        sslmode="require",
    )


class Database:
    """Owns the container's one connection; `conninfo` is resolved on first connect."""

    def __init__(
        self,
        conninfo: str | Callable[[], str],
        *,
        connect_timeout: int = 5,
        prepared_statements: bool = False,
    ) -> None:
        self._conninfo = conninfo
        self._connect_timeout = connect_timeout
        # psycopg prepares a statement on its sixth execution unless told never to.
        self._preparing: dict[str, Any] = {} if prepared_statements else {"prepare_threshold": None}
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    def conninfo(self) -> str:
        """The connection string, read anew (a secret may have rotated)."""
        return self._conninfo if isinstance(self._conninfo, str) else self._conninfo()

    def connection(self) -> Connection:
        """Answer a live connection, opening a new one if there is none or it broke."""
        with self._lock:
            current = self._connection
            if current is None or current.closed or current.broken:
                try:
                    current = psycopg.connect(
                        self.conninfo(),
                        autocommit=True,
                        **self._preparing,
                        row_factory=dict_row,
                        connect_timeout=self._connect_timeout,
                        application_name="mailman",
                    )
                except psycopg.OperationalError as exc:
                    raise StorageError("the database is unreachable", transient=True) from exc
                self._connection = current
            return current

    def discard(self) -> None:
        """Close the connection so the next use opens a fresh one."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
            self._connection = None

    @contextmanager
    def transaction(
        self,
        organization_id: UUID | None = None,
        *,
        pipelined: bool = False,
        autocommit: bool = False,
        caller: Caller | None = None,
    ) -> Iterator[Connection]:
        """Run the body in one transaction, scoped to `organization_id` by row-level security.

        With a `caller` the transaction also knows its inboxes, when it is bound to some
        (row-level security then hides every other inbox's rows), and its identity, which
        each event appended records (migration 0017); in the same statement as the tenant.

        With no organisation the transaction runs as the owner role, for the few queries that
        precede knowing the tenant (looking up an API key) and for operator tasks.

        With `pipelined` the transaction is one pipeline: statements are sent without waiting
        for their answers and only reads wait, so BEGIN and the tenant's settings travel with
        the first read, and the last writes with COMMIT. An error then surfaces at the next
        read or at the end, failing the transaction; `rowcount` is not known.

        With `autocommit` there is no transaction around the body: each statement commits by
        itself, and costs one round trip where BEGIN and COMMIT would add their own. For a
        body of one statement, or of statements each whole alone; never a tenant's (its
        settings last only as long as a transaction).
        """
        assert not autocommit or (organization_id is None and not pipelined), "system, alone"
        assert caller is None or organization_id == caller.organization_id, "its own tenant"
        conn = self.connection()
        try:
            if autocommit:
                yield conn
                return
            with _pipelined(conn) if pipelined else conn.transaction():
                if organization_id is not None:
                    # SET LOCAL ROLE, the tenant and its caller, in one statement.
                    conn.execute(
                        "SELECT set_config('role', 'mailman_tenant', true), "
                        "set_config('mailman.organization_id', %s, true), "
                        "set_config('mailman.inbox_ids', %s, true), "
                        "set_config('mailman.actor', %s, true)",
                        [str(organization_id), *_caller_settings(caller)],
                    )
                yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self.discard()
            raise StorageError("the database connection failed", transient=True) from exc
        except psycopg.Error as exc:
            raise StorageError(f"the database refused the operation: {exc.sqlstate}") from exc

    def close(self) -> None:
        self.discard()


def _caller_settings(caller: Caller | None) -> tuple[str, str]:
    """`mailman.inbox_ids` (an array literal, empty when unbound) and `mailman.actor`."""
    if caller is None:
        return "", ""
    inboxes = ""
    if caller.inbox_ids is not None:
        inboxes = "{" + ",".join(sorted(str(i) for i in caller.inbox_ids)) + "}"
    return inboxes, json.dumps(caller.actor())


@contextmanager
def _pipelined(conn: Connection) -> Iterator[None]:
    """A transaction in one pipeline, BEGIN and COMMIT sent with the statements around them.

    psycopg's own `transaction()` in a pipeline waits for the server at its start and twice
    at its end; this one waits only where the body reads, and once at the end.
    """
    try:
        with conn.pipeline():
            conn.execute("BEGIN", prepare=False)
            yield
            conn.execute("COMMIT", prepare=False)
    except BaseException:
        # A failed statement, a failed COMMIT (then the server has ended the transaction
        # already) or an error of the body: whatever was done is undone.
        if not conn.broken and conn.info.transaction_status != TransactionStatus.IDLE:
            conn.execute("ROLLBACK", prepare=False)
        raise
