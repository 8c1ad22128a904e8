from uuid import uuid4

import psycopg
import pytest

from mailman.adapters.postgres.database import Database, conninfo_from_secret
from mailman.domain.errors import StorageError


def test_the_connection_is_reused_across_transactions(database_url: str) -> None:
    database = Database(database_url)
    with database.transaction() as first:
        pid = first.info.backend_pid
    with database.transaction() as second:
        assert second.info.backend_pid == pid
    database.close()


def test_statements_are_never_prepared_server_side(database_url: str) -> None:
    database = Database(database_url)
    for _ in range(10):
        with database.transaction() as conn:
            conn.execute("SELECT %s::int", [1])

    with database.transaction() as conn:
        prepared = conn.execute("SELECT count(*) AS n FROM pg_prepared_statements").fetchone()
    assert prepared == {"n": 0}
    database.close()


def test_a_queue_consumer_may_prepare_its_repeated_statements(database_url: str) -> None:
    database = Database(database_url, prepared_statements=True)
    for _ in range(10):
        with database.transaction() as conn:
            conn.execute("SELECT %s::int", [1])
            conn.execute("SELECT %s::text", ["once"], prepare=False)

    with database.transaction() as conn:
        prepared = conn.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    assert prepared == [{"statement": "SELECT $1::int"}]
    database.close()


@pytest.mark.parametrize("pipelined", [False, True])
def test_a_broken_connection_is_replaced_on_next_use(database_url: str, pipelined: bool) -> None:
    database = Database(database_url)
    with database.transaction() as conn:
        pid = conn.info.backend_pid
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    with pytest.raises(StorageError) as caught, database.transaction(pipelined=pipelined) as conn:
        conn.execute("SELECT 1").fetchone()
    assert caught.value.transient

    with database.transaction() as conn:
        assert conn.execute("SELECT 1 AS one").fetchone() == {"one": 1}
        assert conn.info.backend_pid != pid
    database.close()


def test_a_failed_transaction_leaves_nothing_behind(database_url: str) -> None:
    database = Database(database_url)
    name = f"org-{uuid4()}"

    def insert_then_fail() -> None:
        with database.transaction() as conn:
            conn.execute("INSERT INTO organizations (name) VALUES (%s)", [name])
            conn.execute("SELECT 1/0")

    with pytest.raises(StorageError):
        insert_then_fail()

    with database.transaction() as conn:
        found = conn.execute("SELECT count(*) AS n FROM organizations WHERE name = %s", [name])
        assert found.fetchone() == {"n": 0}
    database.close()


@pytest.mark.parametrize("pipelined", [False, True])
def test_a_tenant_transaction_runs_as_the_tenant(database_url: str, pipelined: bool) -> None:
    database = Database(database_url)
    tenant = uuid4()

    with database.transaction(tenant, pipelined=pipelined) as conn:
        seen = conn.execute(
            "SELECT current_user AS role, current_setting('mailman.organization_id') AS org"
        ).fetchone()
    with database.transaction() as conn:
        after = conn.execute("SELECT current_user AS role").fetchone()

    assert seen == {"role": "mailman_tenant", "org": str(tenant)}
    assert after != {"role": "mailman_tenant"}  # SET LOCAL: gone with the transaction
    database.close()


def test_a_pipelined_transaction_reads_its_writes_and_fails_whole(database_url: str) -> None:
    database = Database(database_url)
    name, other = f"org-{uuid4()}", f"org-{uuid4()}"

    with database.transaction(pipelined=True) as conn:
        conn.execute("INSERT INTO organizations (name) VALUES (%s)", [name])
        found = conn.execute("SELECT count(*) AS n FROM organizations WHERE name = %s", [name])
        assert found.fetchone() == {"n": 1}
        pid = conn.info.backend_pid

    sent_on: list[str] = []

    def insert_then_fail() -> None:
        with database.transaction(pipelined=True) as conn:
            conn.execute("INSERT INTO organizations (name) VALUES (%s)", [other])
            conn.execute("SELECT 1/0")
            sent_on.append("after the failing statement")

    # The failing statement is not waited for: the body goes on, the error surfaces at the
    # end, and the write sent before it is undone with it.
    with pytest.raises(StorageError, match="22012"):
        insert_then_fail()
    assert sent_on == ["after the failing statement"]

    def insert_then_raise() -> None:
        with database.transaction(pipelined=True) as conn:
            conn.execute("INSERT INTO organizations (name) VALUES (%s)", [third])
            raise RuntimeError("the body failed")

    third = f"org-{uuid4()}"
    with pytest.raises(RuntimeError):
        insert_then_raise()

    with database.transaction() as conn:
        found = conn.execute(
            "SELECT name FROM organizations WHERE name = ANY(%s)", [[name, other, third]]
        ).fetchall()
        assert conn.info.backend_pid == pid  # the same connection, usable again
    assert found == [{"name": name}]
    database.close()


def test_an_unreachable_database_is_a_transient_storage_error() -> None:
    database = Database("host=127.0.0.1 port=1 dbname=none user=none connect_timeout=1")

    with pytest.raises(StorageError) as caught:
        database.connection()

    assert caught.value.transient


def test_rds_secret_becomes_a_tls_conninfo_aimed_at_the_proxy() -> None:
    secret = '{"username": "mailman", "password": "p@ss word", "host": "cluster", "port": 5432}'

    conninfo = conninfo_from_secret(secret, host="proxy.example", dbname="mailman")

    params = psycopg.conninfo.conninfo_to_dict(conninfo)
    assert params["host"] == "proxy.example"
    assert params["password"] == "p@ss word"
    assert params["sslmode"] == "require"
    assert params["dbname"] == "mailman"


def test_without_a_transaction_each_statement_commits_by_itself(database_url: str) -> None:
    database = Database(database_url)
    name = f"org-{uuid4()}"

    def insert_then_fail() -> None:
        with database.transaction(autocommit=True) as conn:
            conn.execute("INSERT INTO organizations (name) VALUES (%s)", [name])
            conn.execute("SELECT 1/0")

    with pytest.raises(StorageError):
        insert_then_fail()

    with database.transaction() as conn:
        found = conn.execute("SELECT count(*) AS n FROM organizations WHERE name = %s", [name])
        assert found.fetchone() == {"n": 1}
    database.close()
