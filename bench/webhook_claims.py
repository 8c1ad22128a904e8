"""Webhook claim benchmark: what one claim costs beside a dead endpoint's backlog.

    .venv/bin/python bench/webhook_claims.py [--backlog 200000] [--endpoints 50] [--claims 20]

Over a fresh embedded PostgreSQL (migrated, in a temporary directory), one organisation has
`--endpoints` endpoints; one of them wants `message.sent`, and `--backlog` such events are
appended, so that endpoint has that many deliveries due (a receiver that hangs, for days).
Then claims are made as the publishers make them (`claim`, system-wide, autocommit), the
first taking the endpoint's share of leases (20), the following finding its share full and
nothing else due: the steady state of every publish while the backlog lasts. Each claim is
timed alone; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

from local.postgres import local_database  # noqa: E402
from mailman.adapters.postgres.database import Database  # noqa: E402
from mailman.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory  # noqa: E402


def _load(url: str, backlog: int, endpoints: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        org = conn.execute(
            "INSERT INTO organizations (name) VALUES ('bench') RETURNING id"
        ).fetchone()
        assert org is not None
        for n in range(endpoints):
            conn.execute(
                "INSERT INTO webhook_endpoints (organization_id, url, secret_sealed, event_types) "
                "VALUES (%s, 'https://hooks.example/', '\\x01', %s)",
                [org[0], ["message.sent"] if n == 0 else ["domain.verified"]],
            )
        conn.execute(
            "INSERT INTO events (organization_id, type, dedup_key, payload) "
            "SELECT %s, 'message.sent', 'bench:' || g, '{}' FROM generate_series(1, %s) g",
            [org[0], backlog],
        )
        conn.execute("ANALYZE")


def run(backlog: int, endpoints: int, claims: int) -> tuple[float, list[float]]:
    """The first claim's time and the following ones', in ms."""
    with tempfile.TemporaryDirectory() as folder:
        url = local_database(Path(folder))
        _load(url, backlog, endpoints)
        database = Database(url)
        uow = PostgresUnitOfWorkFactory(database)
        times = []
        for _ in range(claims + 1):
            started = time.perf_counter()
            with uow(None, autocommit=True) as work:
                work.webhook_deliveries.claim(datetime.now(UTC), uuid.uuid4(), limit=500)
            times.append((time.perf_counter() - started) * 1000)
        database.close()
    return times[0], times[1:]


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--backlog", type=int, default=200_000)
    options.add_argument("--endpoints", type=int, default=50)
    options.add_argument("--claims", type=int, default=20)
    args = options.parse_args()
    first, steady = run(args.backlog, args.endpoints, args.claims)
    print(
        f"# webhook claims beside a backlog of {args.backlog:,} due, {args.endpoints} endpoints;"
        f" {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print("| first claim ms (takes 20) | following claims p50 ms | max ms |")
    print("|---:|---:|---:|")
    print(f"| {first:.1f} | {statistics.median(steady):.2f} | {max(steady):.2f} |")


if __name__ == "__main__":
    main()
