"""Sending benchmark: sends per second through the local platform, and MIME build time.

    .venv/bin/python bench/send.py [--sends 400] [--concurrency 8] [--messages 2000]
    .venv/bin/python bench/send.py --against DIR [--rounds 4]   # beside another checkout
    .venv/bin/python bench/send.py --round-trips [--profile FILE] # one send, in-process

First, the local platform (`python -m local.platform`, as `make dev` runs it, in a
temporary folder on free ports, quick-started) takes `--sends` sends over real HTTP from
`--concurrency` clients at once, each a small text message to an outside address. A send
is timed from the API call to its hand-off to SES (moto's, played by the local post office,
which files each message in the outbox as SES takes it: the file's time is the hand-off).
The path between is the real one: the API function stores the message Pending and queues
it, the outbound pump hands the SQS batch to the outbound function, which claims the
message, builds the MIME, checks suppression, calls SES v2 and records it Sent.

This machine's speed swings with its neighbours by 20% and more within minutes, so two runs
one after the other cannot tell a change apart from a swing. `--against DIR` starts a
second platform from another checkout (say a `git worktree` of the commit before) beside
this one, and the two take turns, `--rounds` times each, with the same sends (the order
alternating from round to round, each round waiting for its hand-offs): a swing falls on
both alike. Each prints its rows, and the ratio of their API rates (this checkout's over
DIR's) closes the table.

`--round-trips` calls the API function's handler in this process instead (over an embedded
PostgreSQL, moto in-process for SQS and SES): it prints what one send says to PostgreSQL,
each round trip with its statements (`bench/wire.py` reads libpq's trace), then times
`--sends` more calls one after another; with `--profile FILE` under cProfile, whose
largest entries it prints and whose stats it writes to FILE.

Then `mailman.mime.compose` (checks included) is timed alone on a text reply, an
HTML message with an inline logo, and a message carrying a 5 MB PDF. Each part prints a
table; nothing here asserts on time: the numbers are for people.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import os
import platform
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import httpx
from moto import mock_aws

from local import ses_simulator
from local.apigw import LambdaContext, ProxyResult, proxy_event
from local.dns_zone import LocalZone
from local.postgres import local_database
from mailman.domain.outbound import Address, Outgoing, OutgoingAttachment, check_outgoing
from mailman.services import domains, inboxes, organizations
from mailman.services.auth import api_keys

# Run as a script, bench/ and tests/ are importable from the repository root (after the
# checkout PYTHONPATH names: `--against` runs this script over another checkout's modules).
sys.path.append(str(Path(__file__).resolve().parents[1]))
from bench.parse import quantile
from tests.e2e.conftest import LocalPlatform, Ports, poll

SENDER = Address("support@acme.example", "Acme Support")
SENT = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
_WORDS = [
    "order",
    "shipping",
    "invoice",
    "refund",
    "delivery",
    "thanks",
    "question",
    "account",
    "update",
    "team",
]


def _prose(rng: random.Random, words: int) -> str:
    lines = []
    for _ in range(max(1, words // 12)):
        lines.append(" ".join(rng.choice(_WORDS) for _ in range(12)).capitalize() + ".")
    return "\n".join(lines)


def _cases(rng: random.Random) -> dict[str, Outgoing]:
    to = (Address("jane@customer.example", "Jane Doe"),)
    chain = tuple(f"<m{n}@customer.example>" for n in range(8))
    html = "".join(f"<p>{_prose(rng, 40)}</p>" for _ in range(20))
    return {
        "text reply": Outgoing(
            SENDER, to, subject="Re: Your order", text=_prose(rng, 500),
            in_reply_to=chain[-1], references=chain,
        ),
        "HTML with an inline logo": Outgoing(
            SENDER, to, subject="Your invoice", html=html + '<img src="cid:logo@acme">',
            attachments=(
                OutgoingAttachment("logo.png", "image/png", rng.randbytes(8_000), "logo@acme"),
            ),
        ),
        "text with a 5 MB PDF": Outgoing(
            SENDER, to, subject="The contract", text=_prose(rng, 200),
            attachments=(
                OutgoingAttachment("contract.pdf", "application/pdf", rng.randbytes(5 * 2**20)),
            ),
        ),
    }  # fmt: skip


def _handed_off(outbox: Path) -> dict[str, float]:
    """Subject -> when the local SES filed the message (SES gives it a Message-ID of its
    own, so the bench's subjects tell the messages apart)."""
    found = {}
    for path in outbox.glob("*.eml"):
        with path.open("rb") as raw:
            headers = BytesHeaderParser().parse(raw)
        found[str(headers["Subject"])] = path.stat().st_mtime
    return found


def _request(number: int) -> dict[str, Any]:
    """Send `number`: a small text message to an outside address."""
    return {
        "to": [f"reader{number}@elsewhere.example"],
        "subject": f"Bench {number}",
        "text": "A short note, as a transactional message would be.\n" * 8,
    }


@dataclass
class Checkout:
    """One checkout's local platform, an inbox on it and a key as fast as its organisation,
    and the sends it has taken: (subject, called, answered), and when SES took each."""

    name: str
    local: LocalPlatform
    inbox: str = ""
    key: str = ""
    calls: list[tuple[str, float, float]] = field(default_factory=list)
    handed: dict[str, float] = field(default_factory=dict)
    answering: float = 0.0
    """Seconds from each round's first call to its last answer, summed."""
    delivering: float = 0.0
    """Seconds from each round's first call to its last hand-off, summed."""

    def start(self) -> None:
        self.local.start()
        with self.local.client(self.local.api_key) as http:
            domain = http.get("/domains").json()["data"][0]["id"]
            self.inbox = http.post(
                "/inboxes", json={"domain_id": domain, "local_part": "bench"}
            ).json()["id"]
            # A key as fast as its organisation (a key may not be faster).
            self.key = http.post(
                "/api-keys", json={"name": "bench", "rate_limit_per_minute": 100_000}
            ).json()["key"]

    def send(self, client: httpx.Client, number: int) -> tuple[str, float, float]:
        started = time.time()
        answer = client.post(f"/inboxes/{self.inbox}/messages", json=_request(number))
        assert answer.status_code == 202, answer.text
        return answer.json()["subject"], started, time.time()

    def round(self, numbers: range, concurrency: int) -> None:
        """Send `numbers` from `concurrency` clients at once; wait for every hand-off."""
        # One client for the round (it is thread-safe): making one costs the bench more CPU
        # than a call costs the API, on the same two cores.
        with self.local.client(self.key) as client, ThreadPoolExecutor(concurrency) as pool:
            began = time.time()
            calls = list(pool.map(functools.partial(self.send, client), numbers))
        self.answering += max(end for _, _, end in calls) - began
        self.calls.extend(calls)
        outbox = self.local.local_dir / "outbox"
        if not poll(lambda: len(list(outbox.glob("*.eml"))) >= len(self.calls), 600, 0.5):
            raise SystemExit(f"not every send reached SES:\n{self.local.output[-3000:]}")
        self.handed = _handed_off(outbox)
        self.delivering += max(self.handed[subject] for subject, _, _ in calls) - began

    def rows(self) -> list[tuple[str, list[float], float]]:
        """(stage, times, per second) of the API call and of the hand-off."""
        api = [end - start for _, start, end in self.calls]
        end_to_end = [self.handed[subject] - start for subject, start, _ in self.calls]
        return [
            ("API call (202 Pending)", api, len(api) / self.answering),
            ("API call to SES hand-off", end_to_end, len(end_to_end) / self.delivering),
        ]


def through_the_platform(
    sends: int, concurrency: int, against: Path | None = None, rounds: int = 1
) -> None:
    """Sends over HTTP to the local platform, each timed from the call to SES's hand-off;
    with `against`, to that checkout's platform too, the two taking turns."""
    env = {
        "MAILMAN_QUICKSTART": "1",
        "MAILMAN_DISPATCHER_SECONDS": "1",
        # Neither the organisation's rate limit nor the key's is what is measured.
        "ORGANIZATION_RATE_LIMIT_PER_MINUTE": "100000",
    }
    with tempfile.TemporaryDirectory(prefix="mailman-bench-send-") as folder:
        roots = {"this checkout": Path(__file__).resolve().parents[1]}
        if against is not None:
            roots[str(against)] = against
        checkouts = [
            Checkout(
                name, LocalPlatform(Path(folder) / str(n) / ".local", Ports.free(), env, root=root)
            )
            for n, (name, root) in enumerate(roots.items())
        ]
        try:
            for checkout in checkouts:
                checkout.start()
            per_round = sends // rounds
            for number in range(rounds):
                numbers = range(number * per_round, (number + 1) * per_round)
                turn = checkouts if number % 2 == 0 else checkouts[::-1]
                for checkout in turn:
                    checkout.round(numbers, concurrency)
        finally:
            for checkout in checkouts:
                checkout.local.stop()
    print(
        f"{per_round * rounds:,} sends per checkout in {rounds} round(s), from {concurrency} "
        "HTTP clients at once, to outside addresses.\n"
    )
    print("| checkout | stage | p50 ms | p99 ms | max ms | per second |")
    print("|---|---|---:|---:|---:|---:|")
    for checkout in checkouts:
        for name, times, rate in checkout.rows():
            print(
                f"| {checkout.name} | {name} | {quantile(times, 0.5) * 1000:,.0f} "
                f"| {quantile(times, 0.99) * 1000:,.0f} | {max(times) * 1000:,.0f} "
                f"| {rate:,.1f} |"
            )
    if against is not None:
        ours, theirs = (c.rows()[0][2] for c in checkouts)
        print(f"\nAPI calls per second, this checkout over {against}: {ours / theirs:.2f}x")
    print()


@contextmanager
def _in_process() -> Iterator[Callable[[int], float]]:
    """The API function's handler in this process, over a fresh embedded PostgreSQL and
    moto: answers a call that makes send `number` through it, expecting its 202, and answers
    how long the handler took."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mailman-send-")))
        environment = {
            "DATABASE_URL": local_database(folder),
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "BUCKET_NAME": "mail",
            "ORGANIZATION_RATE_LIMIT_PER_MINUTE": "100000",
            "RATE_LIMIT_PER_MINUTE": "100000",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "MailmanBench",
            "POWERTOOLS_SERVICE_NAME": "mailman",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
        stack.enter_context(mock.patch.dict(os.environ, environment))
        stack.enter_context(mock_aws())
        ses_simulator.install(LocalZone(folder / "zone.json"))  # SES's domain identities
        boto3.client("s3").create_bucket(Bucket="mail")
        queue = boto3.client("sqs").create_queue(QueueName="outbound")["QueueUrl"]
        os.environ["OUTBOUND_QUEUE_URL"] = queue
        from functions.api import dependencies, handler

        c = dependencies.container()
        stack.callback(dependencies.container.cache_clear)
        stack.callback(c.database.close)
        org = organizations.create_organization(c.uow, "Acme").id
        key = api_keys.create_api_key(c.uow, c.clock, org, name="bench").secret
        domain = domains.create_domain(
            c.uow, c.verifier.identities, "us-east-1", org, "acme.example",
            domains.DomainSettings(),
        ).id  # fmt: skip
        with c.uow(org) as work:
            work.domains.update(domain, {"dkim_verified": True, "ses_dkim_status": "SUCCESS"})
        inbox = inboxes.create_inbox(c.uow, org, domain_id=domain, local_part="bench").id
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

        sqs = boto3.client("sqs")
        context: Any = LambdaContext("mailman-api")  # the parts of Lambda's that are read

        def send(number: int) -> float:
            event = proxy_event(
                "POST",
                f"/inboxes/{inbox}/messages",
                headers=headers.items(),
                body=json.dumps(_request(number)).encode(),
            )
            started = time.perf_counter()
            answer = ProxyResult.of(handler.handler(event, context))
            took = time.perf_counter() - started
            assert answer.status == 202, answer.body
            # Taken off the queue, untimed, as the outbound function would: moto's queue
            # costs each call more the more messages it holds.
            for job in sqs.receive_message(QueueUrl=queue).get("Messages", []):
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=job["ReceiptHandle"])
            return took

        # Powertools prints its metrics (EMF) every hundred calls: not the bench's output.
        stack.enter_context(redirect_stdout(io.StringIO()))
        send(0)  # the first call builds the router and connects
        yield send


def in_process(sends: int, profile: Path | None) -> None:
    """One send's statements and round trips, then `sends` more timed (and profiled)."""
    from bench.wire import traced

    profiler = cProfile.Profile() if profile else None
    with _in_process() as send:
        from functions.api import dependencies  # once the function's environment is set

        with traced(dependencies.container().database.connection()) as wire:
            send(1)
        times = _timed(send, sends, profiler)
    print(
        f"One send through the API function: {wire.statements} SQL statements (BEGIN and "
        f"COMMIT included) in {wire.round_trips} round trips.\n"
    )
    print(" RT  statement")
    print(wire.table())
    print()
    print(
        f"{sends:,} sends one after another in this process{' (profiled)' if profiler else ''}: "
        f"p50 {quantile(times, 0.5) * 1000:.1f} ms, p99 {quantile(times, 0.99) * 1000:.1f} ms, "
        f"{sends / sum(times):,.1f} per second.\n"
    )
    if profiler and profile:
        profiler.dump_stats(profile)
        pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(40)


def _timed(
    send: Callable[[int], float], sends: int, profiler: cProfile.Profile | None = None
) -> list[float]:
    """The time of each of `sends` calls of the handler."""
    if profiler:
        return [profiler.runcall(send, number) for number in range(2, sends + 2)]
    return [send(number) for number in range(2, sends + 2)]


def in_process_against(sends: int, against: Path, rounds: int) -> None:
    """`sends` calls in-process for this checkout and for `against`, each in a fresh process
    over its own checkout's modules, taking turns `rounds` times; their times pooled."""
    roots = {"this checkout": Path(__file__).resolve().parents[1], str(against): against}
    times: dict[str, list[float]] = {name: [] for name in roots}
    for number in range(rounds):
        turn = list(roots.items()) if number % 2 == 0 else list(roots.items())[::-1]
        for name, root in turn:
            child = subprocess.run(  # noqa: S603 - this script, this interpreter
                [sys.executable, __file__, "--times-only", "--sends", str(sends // rounds)],
                cwd=root,
                env={**os.environ, "PYTHONPATH": f"{root / 'shared'}{os.pathsep}{root}"},
                capture_output=True,
                text=True,
                check=True,
            )
            times[name].extend(json.loads(child.stdout.splitlines()[-1]))
    print(f"{sends:,} API calls in-process per checkout, in {rounds} turns.\n")
    print("| checkout | p50 ms | p99 ms | per second |")
    print("|---|---:|---:|---:|")
    for name, taken in times.items():
        print(
            f"| {name} | {quantile(taken, 0.5) * 1000:.1f} | {quantile(taken, 0.99) * 1000:.1f} "
            f"| {len(taken) / sum(taken):,.1f} |"
        )
    ours, theirs = (len(t) / sum(t) for t in times.values())
    print(
        f"\nAPI calls per second in-process, this checkout over {against}: {ours / theirs:.2f}x\n"
    )


def mime_builds(messages: int) -> None:
    from mailman.mime import compose

    rng = random.Random(6)
    print(f"MIME builds: {messages:,} per case (a tenth for the 5 MB case).\n")
    print("| message | bytes out | p50 ms | p99 ms | builds/s |")
    print("|---|---:|---:|---:|---:|")
    for name, message in _cases(rng).items():
        count = messages // 10 if "5 MB" in name else messages
        times, size = [], 0
        for number in range(count):
            started = time.perf_counter()
            size = len(
                compose(check_outgoing(message), message_id=f"<{number}@acme.example>", date=SENT)
            )
            times.append(time.perf_counter() - started)
        print(
            f"| {name} | {size:,} | {quantile(times, 0.5) * 1000:.2f} "
            f"| {quantile(times, 0.99) * 1000:.2f} "
            f"| {count / sum(times):,.0f} |"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak RSS of the MIME builds {peak:,.0f} MB.")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--sends", type=int, default=400)
    options.add_argument("--concurrency", type=int, default=8)
    options.add_argument("--messages", type=int, default=2000)
    options.add_argument("--against", type=Path, help="another checkout to run beside this one")
    options.add_argument("--rounds", type=int, help="turns each (default 1, 4 with --against)")
    options.add_argument(
        "--round-trips", action="store_true", help="one send in-process: its SQL, then timings"
    )
    options.add_argument("--profile", type=Path, help="with --round-trips: cProfile stats here")
    options.add_argument("--times-only", action="store_true", help=argparse.SUPPRESS)
    args = options.parse_args()
    if args.times_only:  # a turn of `in_process_against`, in the checkout PYTHONPATH names
        with _in_process() as send:
            times = _timed(send, args.sends)
        print(json.dumps(times))
        return
    print(f"Machine: {len(os.sched_getaffinity(0))} CPUs, Python {platform.python_version()}.\n")
    if args.round_trips:
        in_process(args.sends, args.profile)
        if args.against:
            in_process_against(args.sends, args.against.resolve(), args.rounds or 4)
        return
    if args.sends:
        against = args.against.resolve() if args.against else None
        rounds = args.rounds or (4 if against else 1)
        through_the_platform(args.sends, args.concurrency, against, rounds)
    if args.messages:
        mime_builds(args.messages)


if __name__ == "__main__":
    main()
