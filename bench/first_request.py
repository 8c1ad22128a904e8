"""First-request benchmark: a handler's whole cold start, its first request included.

    .venv/bin/python bench/first_request.py [--runs 9] [--against DIR]

`bench/coldstart.py` times what a function imports and builds before its first request
reaches the outside; what the request loads once it has connected (the PostgreSQL adapters
of the repositories it opens, the domain types they answer, the services it runs) it does
not see. This benchmark runs the whole first request instead, for the functions whose first
request runs against an empty database and makes no AWS call: the API function's
`GET /inboxes` with an API key, the webhook sweep and the dispatcher (nothing due) and the
webhook recorder (a report of a delivery it does not know). Each run is a fresh Python
process with a deployed function's environment (`bench/coldstart.py`'s, tracing off) and
`DATABASE_URL` naming an embedded PostgreSQL this script starts (and removes when it ends);
the table gives the median CPU time from importing the handler to its answer, and how many
of our modules (`mailman.*`, `functions.*`) the process had loaded by then.

`--against DIR` runs another checkout's handlers too, turn about with this one's, for a
before-and-after in the same run. Nothing here asserts on time: the numbers are for people.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path
from typing import Any

# Run as a script, bench/ is importable from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.coldstart import environment
from bench.parse import cpu_model
from local.postgres import ensure_database, start_embedded
from mailman.adapters.postgres.migrations import migrate
from mailman.composition import build_container
from mailman.services import organizations
from mailman.services.auth import api_keys

ROOT = Path(__file__).resolve().parents[1]

_FIRST_REQUEST = """
import json, sys, time
from local.apigw import LambdaContext, proxy_event
event = {event}
started = time.process_time()
import functions.{name}.handler as handler
answer = handler.handler(event, LambdaContext("{name}"))
spent = time.process_time() - started
ours = [m for m in sys.modules if m.startswith(("mailman", "functions"))]
print(json.dumps({{"seconds": spent, "modules": len(ours), "answer": str(answer)[:200]}}))
"""


def _report(organization_id: uuid.UUID) -> dict[str, Any]:
    """An SQS event carrying one attempt report of a delivery no one made."""
    body = {
        "attempt_id": str(uuid.uuid4()),
        "delivery_id": str(uuid.uuid4()),
        "organization_id": str(organization_id),
        "endpoint_id": str(uuid.uuid4()),
        "lease": str(uuid.uuid4()),
        "trigger": "automatic",
        "attempted_at": "2026-12-07T12:00:00+00:00",
        "latency_ms": 10,
        "status_code": 200,
        "error": None,
        "outcome": "delivered",
    }
    record = {
        "messageId": "m0",
        "receiptHandle": "h0",
        "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:mailman-reports",
        "awsRegion": "eu-west-1",
    }
    return {"Records": [record]}


def first_requests(database_url: str) -> dict[str, str]:
    """Each function's first event (Python source), for an organisation made in the database."""
    os.environ["DATABASE_URL"] = database_url
    container = build_container()
    organization = organizations.create_organization(container.uow, "bench")
    key = api_keys.create_api_key(
        container.uow,
        container.clock,
        organization.id,
        name="bench",
        rate_limit_per_minute=None,
        defaults=container.settings.organization_limits,
    ).secret
    return {
        "api": f"proxy_event('GET', '/inboxes', headers=[('Authorization', 'Bearer {key}')])",
        "webhook_sweep": "{}",
        "dispatcher": "{}",
        "webhook_reports": repr(_report(organization.id)),
    }


def serve(name: str, event: str, checkout: Path, database_url: str) -> dict[str, Any]:
    env = environment(name, checkout, tracing=False)
    env.pop("DB_SECRET_ARN")
    env["DATABASE_URL"] = database_url
    done = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-P", "-c", _FIRST_REQUEST.format(name=name, event=event)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{name}'s first request failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(
    runs: int, checkouts: dict[str, Path], database_url: str
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    events = first_requests(database_url)
    results: dict[str, dict[str, list[dict[str, Any]]]] = {
        name: {kind: [] for kind in checkouts} for name in events
    }
    kinds = list(checkouts)
    for run in range(runs + 1):
        turn = run % len(kinds)
        for name, event in events.items():
            for kind in kinds[turn:] + kinds[:turn]:
                served = serve(name, event, checkouts[kind], database_url)
                if run:  # the first round only writes the bytecode caches
                    results[name][kind].append(served)
        print(f"round {run}/{runs}", file=sys.stderr)
    return results


def report(results: dict[str, dict[str, list[dict[str, Any]]]], runs: int) -> None:
    print(
        f"{date.today()}, {runs} fresh processes each, tracing off, cpu time;"
        f" {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}\n"
    )
    kinds = list(next(iter(results.values())))
    print("| function | " + " | ".join(f"{k} ms | {k} modules" for k in kinds) + " |")
    print("|---|" + "---:|---:|" * len(kinds))
    for name, by_kind in results.items():
        cells = []
        for kind in kinds:
            served = by_kind[kind]
            seconds = statistics.median(s["seconds"] for s in served)
            cells.append(f"{seconds * 1000:,.0f} | {served[-1]['modules']}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--runs", type=int, default=9, help="measured processes per row")
    options.add_argument("--against", type=Path, help="another checkout, run turn about")
    args = options.parse_args()
    checkouts = {"this checkout": ROOT}
    if args.against:
        checkouts["other checkout"] = args.against.resolve()
    server = start_embedded(
        Path(tempfile.mkdtemp(prefix="mailman-bench-pg-")) / "data", cleanup="delete"
    )
    database_url = ensure_database(server, "first_request")
    migrate(database_url)
    results = measure(args.runs, checkouts, database_url)
    report(results, args.runs)


if __name__ == "__main__":
    main()
