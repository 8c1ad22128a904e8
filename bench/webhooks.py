"""Webhook dispatch benchmark: deliveries per second of ONE dispatcher process.

    .venv/bin/python bench/webhooks.py [--deliveries 3000] [--groups 40] [--rounds 3]

Each delivery is a `WebhookWork` as the pipeline queues it (a `message.received` body of
about 1.5 KB, its secret sealed with a key file), spread over `--groups` message groups
(endpoint and thread) of one receiver. The dispatcher's code runs as the function runs it:
`dispatch_batch` with a real `HttpxSender` (pooled keep-alive connections, the address
checked and pinned, each secret opened and each body signed), to a receiver in a process of
its own on 127.0.0.1 (a threaded HTTP/1.1 keep-alive server that verifies every delivery
with `standardwebhooks` and answers 204). Its name resolves in the bench, to 127.0.0.1, with
the local platform's switch that lets private receivers through; the reports go to a queue
in memory (SQS's time is not the dispatcher's).

Three ways of taking the work, in `--rounds` rounds taking turns (so a swing of this shared
machine falls on each):
- "Lambda batches of 10": the FIFO event source's largest batch, one after the other, the
  way one warm function instance takes them (its groups side by side within each batch);
- "one batch, 10 workers": the whole stream handed to `dispatch_batch` at once, the ceiling
  of ten concurrent groups with no batch boundaries;
- "no keep-alive": Lambda batches again, each connection closed after its request (what
  reusing connections saves).

The first batch (connecting, building the sender) is untimed. Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import base64
import ipaddress
import json
import multiprocessing
import os
import platform
import random
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path

from standardwebhooks.webhooks import Webhook

from mailman.adapters.clock import SystemClock
from mailman.adapters.http import HttpxSender
from mailman.adapters.secret_box import KeyFileSecretBox
from mailman.domain.webhook_targets import IPAddress
from mailman.domain.webhook_work import AttemptReport, WebhookWork
from mailman.domain.webhooks import Outcome, new_secret
from mailman.services.webhooks.dispatch import dispatch_batch

sys.path.append(str(Path(__file__).resolve().parents[1]))
from bench.parse import cpu_model, quantile

HOST = "receiver.bench"
LAMBDA_BATCH = 10


def _receive(secret: str, pipe: Connection) -> None:
    """The receiver's process: serves until told to stop, then answers what it counted."""
    counts = {"requests": 0, "verified": 0, "connections": 0}
    lock = threading.Lock()
    webhook = Webhook(secret)

    class Receiver(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 30

        def setup(self) -> None:
            super().setup()
            with lock:
                counts["connections"] += 1

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                webhook.verify(body, dict(self.headers.items()), json_parse=False)
                verified = 1
            except Exception:
                verified = 0
            with lock:
                counts["requests"] += 1
                counts["verified"] += verified
            self.send_response(204 if verified else 400)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    # A backlog of 128 rather than socketserver's 5, so that new connections (the
    # no-keep-alive way) are not left waiting on SYN retransmits.
    server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 128})
    server = server_class(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pipe.send(server.server_address[1])
    pipe.recv()  # stop
    server.shutdown()
    pipe.send(dict(counts))


class BenchResolver:
    def addresses(self, host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address("127.0.0.1")]


class MemoryReports:
    def __init__(self) -> None:
        self.reports: list[AttemptReport] = []

    def send(self, reports: Sequence[AttemptReport]) -> None:
        self.reports.extend(reports)


def _body(n: int, rng: random.Random) -> str:
    """A `message.received` body of about 1.5 KB."""
    words = " ".join(
        rng.choice(["invoice", "meeting", "reply", "thanks", "agenda"]) for _ in range(120)
    )
    return json.dumps(
        {
            "type": "message.received",
            "timestamp": "2026-12-01T09:00:00Z",
            "data": {
                "message_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "thread_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "inbox_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "direction": "inbound",
                "from": {"address": f"sender{n}@customer.example", "name": "A Sender"},
                "to": [{"address": "support@acme.example", "name": None}],
                "subject": f"Question {n}",
                "preview": words[:200],
                "extracted_text": words,
            },
        },
        separators=(",", ":"),
    )


def _works(count: int, groups: int, url: str, sealed: str, seed: int) -> list[WebhookWork]:
    rng = random.Random(seed)
    return [
        WebhookWork(
            delivery_id=uuid.uuid4(),
            organization_id=uuid.uuid4(),
            endpoint_id=uuid.uuid4(),
            lease=uuid.uuid4(),
            lease_expires_at=datetime(2100, 1, 1, tzinfo=UTC),
            webhook_id=f"evt_{uuid.uuid4().hex}",
            url=url,
            secrets=[sealed],
            body=_body(n, rng),
            trigger="automatic",
            group=f"endpoint:thread-{rng.randrange(groups)}",
        )
        for n in range(count)
    ]


@dataclass
class Way:
    """One way of taking the work: its deliveries, time, and each attempt's latency."""

    name: str
    run: Callable[[list[WebhookWork]], list[AttemptReport]]
    seconds: float = 0.0
    latencies: list[int] = field(default_factory=list)
    delivered: int = 0
    attempted: int = 0

    def take(self, works: list[WebhookWork]) -> None:
        started = time.perf_counter()
        reports = self.run(works)
        self.seconds += time.perf_counter() - started
        self.attempted += len(reports)
        self.delivered += sum(r.outcome is Outcome.DELIVERED for r in reports)
        self.latencies += [r.latency_ms for r in reports]

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=3000, help="per way of taking them")
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    secret = new_secret()
    spawn = multiprocessing.get_context("spawn")
    ours, theirs = spawn.Pipe()
    receiver = spawn.Process(target=_receive, args=(secret, theirs), daemon=True)
    receiver.start()
    port = ours.recv()
    with tempfile.TemporaryDirectory(prefix="mailman-webhooks-") as folder:
        box = KeyFileSecretBox(Path(folder) / "webhook-secrets.key")
        sealed = base64.b64encode(box.seal(secret)).decode()
        url = f"http://{HOST}:{port}/hooks/mailman"
        sender = HttpxSender()
        unpooled = HttpxSender(keepalive_expiry=0.0)
        reports = MemoryReports()

        def dispatch(works: list[WebhookWork], http: HttpxSender = sender) -> list[AttemptReport]:
            return dispatch_batch(
                works,
                box=box,
                resolver=BenchResolver(),
                http=http,
                clock=SystemClock(),
                allow_private=True,
                reports=reports,
            ).reports

        def in_batches(http: HttpxSender) -> Callable[[list[WebhookWork]], list[AttemptReport]]:
            def run(works: list[WebhookWork]) -> list[AttemptReport]:
                done: list[AttemptReport] = []
                for start in range(0, len(works), LAMBDA_BATCH):
                    done += dispatch(works[start : start + LAMBDA_BATCH], http)
                return done

            return run

        ways = [
            Way(f"Lambda batches of {LAMBDA_BATCH}", in_batches(sender)),
            Way("one batch, 10 workers", dispatch),
            Way(f"batches of {LAMBDA_BATCH}, no keep-alive", in_batches(unpooled)),
        ]
        streams = {
            way.name: _works(args.deliveries, args.groups, url, sealed, args.seed + n)
            for n, way in enumerate(ways)
        }
        dispatch(_works(LAMBDA_BATCH, args.groups, url, sealed, 0))  # untimed warm-up
        per_round = args.deliveries // args.rounds
        for number in range(args.rounds):
            chunk = slice(number * per_round, (number + 1) * per_round)
            for way in ways if number % 2 == 0 else ways[::-1]:
                way.take(streams[way.name][chunk])
        sender.close()
        unpooled.close()
    ours.send("stop")
    counts = ours.recv()
    receiver.join(timeout=10)
    _report(ways, counts, args)


def _report(ways: list[Way], counts: dict[str, int], args: argparse.Namespace) -> None:
    print(
        f"{args.deliveries:,} deliveries a way over {args.groups} groups, {args.rounds} rounds "
        f"taking turns; {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs ({cpu_model()})\n"
    )
    print("| way | delivered | of | deliveries/s | p50 attempt ms | p99 attempt ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for way in ways:
        print(
            f"| {way.name} | {way.delivered:,} | {way.attempted:,} | {way.rate:,.0f} "
            f"| {quantile(way.latencies, 0.5):.0f} | {quantile(way.latencies, 0.99):.0f} |"
        )
    print(
        f"\nreceiver: {counts['requests']:,} requests, {counts['verified']:,} verified by "
        f"standardwebhooks, over {counts['connections']:,} connections (target >= 300/s)"
    )


if __name__ == "__main__":
    main()
