"""Applies the numbered SQL migrations in order, once each, under an advisory lock."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

# Any constant works; it only has to be the same for every process migrating this database.
_LOCK_KEY = 7_246_813_001
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(RuntimeError):
    pass


def available() -> list[Migration]:
    """The migrations shipped with the code, in version order."""
    found = []
    for entry in resources.files("mailman.adapters.postgres").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migrations share a version number")
    return found


def migrate(conninfo: str) -> list[str]:
    """Apply every pending migration; answer the names applied (empty when up to date).

    Safe to run from several processes at once: they queue on an advisory lock and each
    migration runs in its own transaction together with its bookkeeping row. An applied
    migration whose file changed since is an error, never silently skipped.
    """
    applied_now: list[str] = []
    with psycopg.connect(conninfo, autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done: dict[int, str] = dict(
                conn.execute("SELECT version, checksum FROM schema_migrations").fetchall()
            )
            for migration in available():
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        raise MigrationError(
                            f"{migration.name} changed after it was applied; "
                            "add a new migration instead of editing a landed one"
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.sql.encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) "
                        "VALUES (%s, %s, %s)",
                        [migration.version, migration.name, migration.checksum],
                    )
                applied_now.append(migration.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
    return applied_now
