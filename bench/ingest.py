"""Ingest benchmark: mail through the inbound service into embedded PostgreSQL.

    .venv/bin/python bench/ingest.py [--messages 10000] [--seed 5] [--batch 10] [--profile FILE]
    .venv/bin/python bench/ingest.py --against DIR   # compare with another checkout

Generates, deterministically, everyday mail of 5-50 KB and hands it `--batch` messages at
a time (an SQS batch) to `mailman.services.receiving.receive_batch`, as the inbound function
does, over a fresh embedded PostgreSQL (migrated, in a temporary directory) holding one
organisation, one domain verified for receiving and one inbox. Blobs go to
`InMemoryBlobStore`, so the numbers are our code and PostgreSQL, not S3.

The bodies come from `bench/parse.py`'s `everyday` generator (plain replies with quoted
history, multipart/alternative HTML, small PDF/PNG attachments, ISO-8859-1 and KOI8-R);
this script replaces their addressing and threading headers with conversations: about
half of the messages start one, the rest reply to a recent one, mostly with
In-Reply-To/References (some naming our own replies, which never arrive: phantoms),
some with References or In-Reply-To only, some header-less with only "Re: <subject>".

End to end is the wall time of each `receive_batch()` call. Each batch is timed whole, and
the per-message figures are the batch's times divided by its size. The stages inside it
are timed by wrapping, at the bench level only, what the service calls:
`mailman.mime.parse` (parse), the system transaction that looks up routing (route),
`prefetch` and `assign_thread` (thread, with its index queries), and the tenant transaction minus
threading (store: the duplicate check, the message row with recipients and attachments,
the thread's listing columns, the event, BEGIN/SET ROLE/COMMIT). Nothing here asserts on
time: the numbers are for people.

This machine's speed swings with its neighbours by 20% and more within minutes, so two
runs one after the other cannot tell a change of a few percent. `--against DIR` compares
instead, in one process over one database: DIR is another checkout (say a `git worktree`
of the commit before) whose receive service and MIME parser (`mailman/services/receiving/`
or `mailman/services/receive.py`, `mailman/mime/` or `mailman/mime*.py`, whichever it has;
the rest of `mailman` is this checkout's) take turns with this
checkout's, two batches each, over the same stream of mail. A swing of the machine then
falls on both alike; the answer is the median ratio of their paired batch times.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import cProfile
import email.utils
import functools
import gc
import importlib
import os
import platform
import pstats
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import ParamSpec, TypeVar
from unittest import mock
from uuid import UUID

from psycopg import sql

from local.postgres import DATABASE_NAME, ensure_database, start_embedded
from mailman import mime
from mailman.adapters.memory.blobs import InMemoryBlobStore
from mailman.adapters.postgres.events import PostgresEventLog
from mailman.adapters.postgres.messages import PostgresMessageRepository
from mailman.adapters.postgres.migrations import migrate
from mailman.adapters.postgres.thread_index import PostgresThreadIndex
from mailman.composition import Container, build_container
from mailman.config import Settings
from mailman.domain.access import Caller
from mailman.domain.inbound import InboundMail
from mailman.domain.verification import SesIdentity
from mailman.ports import ThreadIndex, UnitOfWork, UnitOfWorkFactory
from mailman.services import domains, inboxes, organizations, receiving
from mailman.services.receiving import store
from mailman.thread_resolution import (
    DEFAULT_POLICY,
    AlreadyThreaded,
    ThreadDecision,
    ThreadingInput,
    ThreadingPolicy,
    assign_thread,
    prefetch,
)

# Run as a script, bench/ is importable from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.parse import cpu_model, everyday, quantile

P = ParamSpec("P")
R = TypeVar("R")

DOMAIN = "acme.example"
INBOX = "support"
MIN_SIZE, MAX_SIZE = 5 * 1024, 50 * 1024
START = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
VERDICTS = {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}
BLOB_BATCH = 1_000
"""Nothing reads the objects back: a fresh blob store every so many messages keeps memory flat."""

# --- conversations ------------------------------------------------------------------------

_FIRST = (
    "Jane", "John", "Anna", "Tomás", "Priya", "Li", "Olga", "Ahmed", "Chloé", "Kenji",
    "Maria", "Pieter", "Zoë", "Sven", "Fatima", "Lucas", "Ingrid", "Rahul", "Ewa", "Noah",
)  # fmt: skip
_LAST = (
    "Doe", "Smith", "Müller", "Ruiz", "Patel", "Wei", "Ivanova", "Hassan", "Dubois", "Sato",
    "Rossi", "de Vries", "Nowak", "Lindqvist", "Okafor",
)  # fmt: skip
_DOMAINS = (
    "gmail.example", "outlook.example", "icloud.example", "customer-corp.example",
    "retail-shop.example", "uni-berlin.example", "agency.example", "mail.example",
)  # fmt: skip
_TOPICS = (
    "Order #{n} has not arrived", "Question about invoice INV-{n}", "Refund for order #{n}",
    "Cannot log in to account {n}", "Change of delivery address for #{n}",
    "Upgrade plan for team {n}", "Damaged item in shipment {n}", "API key {n} rejected",
    "Cancel subscription {n}", "Quote request {n} for 40 seats", "Password reset loop ({n})",
    "Wrong size delivered, order #{n}", "Tax exemption certificate {n}",
)  # fmt: skip
_PLUS_TAGS = ("orders", "billing")


@dataclass
class _Conversation:
    subject: str
    people: list[str]
    """Formatted `Name <address>` of the customers taking part (the first one started it)."""
    ids: list[str] = field(default_factory=list)
    """Every message id so far, ours (never received: phantoms) included, oldest first."""
    received: list[str] = field(default_factory=list)
    """The ids of the messages that reached the inbox."""


@dataclass(frozen=True)
class Generated:
    raw: bytes
    mail: InboundMail
    kind: str
    """new, reply (In-Reply-To and References), references-only, in-reply-to-only, header-less"""
    body: str
    """plain, html, attachments or legacy-charset: what the everyday generator made."""


def _people(rng: random.Random, count: int) -> list[str]:
    chosen: dict[str, str] = {}
    while len(chosen) < count:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        local = f"{first}.{last}".lower().replace(" ", "")
        local = local.encode("ascii", "ignore").decode() or "someone"
        address = f"{local}{rng.randint(1, 99)}@{rng.choice(_DOMAINS)}"
        chosen.setdefault(address, email.utils.formataddr((f"{first} {last}", address)))
    return list(chosen.values())


def _message_id(rng: random.Random, person: str) -> str:
    domain = email.utils.parseaddr(person)[1].rpartition("@")[2]
    return f"<{rng.getrandbits(96):024x}.{rng.randint(1, 99_999)}@{domain}>"


def _body_kind(raw: bytes) -> str:
    head = raw.partition(b"\r\n\r\n")[0].lower()
    if b"multipart/mixed" in head:
        return "attachments"
    if b"multipart/alternative" in head:
        return "html"
    if b"iso-8859-1" in head or b"koi8-r" in head:
        return "legacy-charset"
    return "plain"


_REPLACED = {b"from", b"to", b"cc", b"subject", b"date", b"message-id"}
_REPLACED |= {b"in-reply-to", b"references"}


def _rehead(raw: bytes, headers: list[str]) -> bytes:
    """`raw` with its addressing and threading fields replaced by `headers`."""
    head, _, body = raw.partition(b"\r\n\r\n")
    kept: list[bytes] = []
    dropping = False
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        dropping = line.partition(b":")[0].strip().lower() in _REPLACED
        if not dropping:
            kept.append(line)
    ours = "".join(f"{h}\r\n" for h in headers).encode()
    return b"\r\n".join(kept) + b"\r\n" + ours + b"\r\n" + body


def _bodies(seed: int) -> Iterator[bytes]:
    """Everyday mail of 5-50 KB from bench/parse.py, made 500 at a time (memory stays flat)."""
    batch = 0
    while True:
        batch += 1
        for raw in everyday(500, seed=seed * 100_003 + batch):
            if MIN_SIZE <= len(raw) <= MAX_SIZE:
                yield raw


def generate(count: int, seed: int) -> Iterator[Generated]:
    """`count` messages to the inbox: about half start a conversation, half reply to one."""
    rng = random.Random(seed)
    bodies = _bodies(seed)
    customers = _people(rng, 60)
    inbox = f"{INBOX}@{DOMAIN}"
    open_conversations: deque[_Conversation] = deque(maxlen=400)
    clock = START
    for _ in range(count):
        clock += timedelta(seconds=rng.expovariate(1 / 180))
        kind = "new"
        if open_conversations and rng.random() < 0.5:
            kind = rng.choices(
                ["reply", "references-only", "in-reply-to-only", "header-less"],
                weights=[75, 7, 6, 12],
            )[0]
        if kind == "new":
            topic = rng.choice(_TOPICS).format(n=rng.randint(10_000, 99_999))
            starter = rng.choice(customers)
            others = rng.sample(customers, rng.choice([0, 0, 0, 1, 2]))
            conversation = _Conversation(topic, [starter, *(p for p in others if p != starter)])
            open_conversations.append(conversation)
            sender, subject = starter, topic
        else:
            # Recent conversations are likelier to get the next reply.
            position = min(int(rng.expovariate(1 / 40)), len(open_conversations) - 1)
            conversation = open_conversations[-1 - position]
            if rng.random() < 0.4:  # we answered it from the outbound side: an id never received
                conversation.ids.append(_message_id(rng, f"{INBOX}@{DOMAIN}"))
            sender = rng.choice(conversation.people)
            prefix = rng.choices(["Re: ", "RE: ", "AW: ", "Re: Re: "], weights=[80, 12, 4, 4])[0]
            subject = prefix + conversation.subject
        message_id = _message_id(rng, sender)
        to = inbox if rng.random() < 0.9 else f"{INBOX}+{rng.choice(_PLUS_TAGS)}@{DOMAIN}"
        cc = [p for p in conversation.people if p != sender]
        zone = timezone(timedelta(hours=rng.choice([0, 0, 1, 2, -5, -8, 9])))
        headers = [
            f"From: {sender}",
            f"To: {email.utils.formataddr(('Acme Support', to))}",
            *([f"Cc: {', '.join(cc)}"] if cc else []),
            f"Subject: {subject}",
            f"Date: {email.utils.format_datetime(clock.astimezone(zone))}",
            f"Message-ID: {message_id}",
        ]
        parents = conversation.ids
        if kind == "reply" and parents:
            headers.append(f"In-Reply-To: {parents[-1]}")
        if kind == "in-reply-to-only" and conversation.received:
            # Only a received parent: the outbound side, which this bench does not run,
            # records the ids of our own replies.
            headers.append(f"In-Reply-To: {conversation.received[-1]}")
        if kind in ("reply", "references-only") and parents:
            chain = list(dict.fromkeys([parents[0], *parents[-9:]]))
            headers.append("References: " + "\r\n ".join(chain))
        conversation.ids.append(message_id)
        conversation.received.append(message_id)
        raw = _rehead(next(bodies), headers)
        mail = InboundMail(
            source="ses",
            source_id=base64.b32encode(rng.randbytes(25)).decode().lower(),
            received_at=(clock + timedelta(seconds=rng.uniform(1, 30))).astimezone(UTC),
            envelope_recipients=(to,),
            verdicts=dict(VERDICTS),
        )
        yield Generated(raw, mail, kind, _body_kind(raw))


# --- the platform -------------------------------------------------------------------------


class _NoIdentities:
    """Stands in for SES: the bench never sends, and DKIM tokens do not matter to receiving."""

    def create(self, domain: str, mail_from_domain: str) -> SesIdentity:
        return SesIdentity(dkim_tokens=(), dkim_status="SUCCESS")

    def get(self, domain: str) -> SesIdentity | None:
        return None

    def delete(self, domain: str) -> None:
        return None


def _embedded_database() -> str:
    """A fresh embedded server in a temporary directory, migrated; deleted at exit."""
    folder = Path(tempfile.mkdtemp(prefix="mailman-ingest-"))
    atexit.register(shutil.rmtree, folder, True)  # runs after the server's own cleanup (LIFO)
    url = ensure_database(start_embedded(folder / "pg", cleanup="delete"), DATABASE_NAME)
    migrate(url)
    return url


def _set_up(container: Container) -> None:
    """One organisation, its domain (MX verified: it receives) and its inbox."""
    uow = container.uow
    org = organizations.create_organization(uow, "Acme")
    domain = domains.create_domain(
        uow, _NoIdentities(), "us-east-1", org.id, DOMAIN, domains.DomainSettings()
    )
    with uow(org.id) as work:
        work.domains.update(domain.id, {"mx_verified": True})
    inboxes.create_inbox(uow, org.id, domain_id=domain.id, local_part=INBOX)


def _server_settings(container: Container) -> str:
    conn = container.database.connection()
    shown = {}
    for name in ("server_version", "fsync", "synchronous_commit", "shared_buffers"):
        row = conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
        shown[name] = row[name] if row else "?"
    version = shown.pop("server_version")
    settings = ", ".join(f"{k} {v}" for k, v in shown.items())
    return f"PostgreSQL {version} (embedded, same machine; {settings})"


# --- timing -------------------------------------------------------------------------------

STAGES = ("parse", "route", "thread", "store", "other", "end to end")
DATABASE_CALLS = (
    "messages.find_many",
    "messages.add",
    "messages.refresh_thread",
    "messages.note_in_thread",
    "events.append",
    "index.lock",
    "index.links",
    "index.contexts",
    "index.create_thread",
    "index.merge_threads",
    "index.adopt_threads",
    "index.add_ids",
    "index.add_activity",
)
_ADAPTERS: dict[str, type] = {
    "messages": PostgresMessageRepository,
    "events": PostgresEventLog,
    "index": PostgresThreadIndex,
}
"""The class whose method each prefix of `DATABASE_CALLS` names."""


class Stopwatch:
    """Seconds per stage of the message in flight; `take()` answers them and starts afresh."""

    def __init__(self) -> None:
        self.current: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()

    def timed(self, stage: str, function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.current[stage] += time.perf_counter() - started
                self.calls[stage] += 1

        return wrapper

    def uow(self, inner: UnitOfWorkFactory) -> UnitOfWorkFactory:
        """`inner`, timing each transaction from BEGIN to COMMIT by its scope."""

        @contextmanager
        def scope(
            organization_id: UUID | None,
            *,
            pipelined: bool = False,
            autocommit: bool = False,
            caller: Caller | None = None,
        ) -> Iterator[UnitOfWork]:
            started = time.perf_counter()
            try:
                with inner(
                    organization_id, pipelined=pipelined, autocommit=autocommit, caller=caller
                ) as work:
                    yield work
            finally:
                key = "route" if organization_id is None else "tenant transaction"
                self.current[key] += time.perf_counter() - started

        return scope

    def take(self) -> dict[str, float]:
        taken = dict(self.current)
        self.current.clear()
        return taken


def _instrument(stack: ExitStack, watch: Stopwatch) -> None:
    """Wrap what `receive_batch()` calls, for this process only; the service code is unchanged."""

    def threaded(
        message: ThreadingInput, index: ThreadIndex, policy: ThreadingPolicy = DEFAULT_POLICY
    ) -> ThreadDecision | AlreadyThreaded:
        decision = assign_thread(message, index, policy)
        if isinstance(decision, AlreadyThreaded):
            watch.reasons["already threaded"] += 1
        else:
            watch.reasons[decision.reason.value] += 1
        return decision

    stack.enter_context(mock.patch.object(mime, "parse", watch.timed("parse", mime.parse)))
    stack.enter_context(mock.patch.object(store, "assign_thread", watch.timed("thread", threaded)))
    stack.enter_context(mock.patch.object(store, "prefetch", watch.timed("thread", prefetch)))
    for call in DATABASE_CALLS:
        prefix, _, name = call.partition(".")
        adapter = _ADAPTERS[prefix]
        original = getattr(adapter, name)
        stack.enter_context(mock.patch.object(adapter, name, watch.timed(call, original)))


# --- running ------------------------------------------------------------------------------


@dataclass
class Results:
    per_stage: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    cpu: list[float] = field(default_factory=list)
    per_call: dict[str, list[float]] = field(
        default_factory=lambda: {c: [] for c in DATABASE_CALLS}
    )
    sizes: list[int] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    bodies: Counter[str] = field(default_factory=Counter)
    threads: set[UUID] = field(default_factory=set)
    reasons: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    batches: list[float] = field(default_factory=list)
    """Seconds per batch, end to end."""
    quarantined: int = 0
    wall: float = 0.0
    server_cpu: float = 0.0
    """Seconds of CPU the PostgreSQL backend used during the run."""

    def add_batch(
        self,
        batch: list[Generated],
        outcomes: list[receiving.Received | Exception],
        stages: dict[str, float],
        total: float,
    ) -> None:
        """Adds one batch: what became of its mail, and the seconds each stage took."""
        for outcome in outcomes:
            assert isinstance(outcome, receiving.Received), outcome
            assert len(outcome.stored) == 1, "every generated message reaches the inbox"
            stored = outcome.stored[0]
            if stored.thread_id:
                self.threads.add(stored.thread_id)
            self.quarantined += stored.quarantined
        tenant = stages.get("tenant transaction", 0.0)
        timed = {
            "parse": stages.get("parse", 0.0),
            "route": stages.get("route", 0.0),
            "thread": stages.get("thread", 0.0),
            "store": tenant - stages.get("thread", 0.0),
            "end to end": total,
        }
        timed["other"] = total - stages.get("parse", 0.0) - stages.get("route", 0.0) - tenant
        for stage in STAGES:
            self.per_stage[stage].append(timed[stage] / len(batch))
        self.batches.append(total)
        for call in DATABASE_CALLS:
            self.per_call[call].append(stages.get(call, 0.0) / len(batch))
        for generated in batch:
            self.sizes.append(len(generated.raw))
            self.kinds[generated.kind] += 1
            self.bodies[generated.body] += 1


def _batches(items: Iterator[Generated], size: int) -> Iterator[list[Generated]]:
    batch: list[Generated] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _backend_cpu(container: Container) -> Callable[[], float]:
    """Seconds of CPU the PostgreSQL backend serving the container's connection has used."""
    row = container.database.connection().execute("SELECT pg_backend_pid() AS pid").fetchone()
    stat = Path(f"/proc/{row['pid'] if row else 0}/stat")
    ticks = os.sysconf("SC_CLK_TCK")

    def used() -> float:
        fields = stat.read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime

    return used


def run(
    container: Container, count: int, seed: int, batch_size: int, profile: Path | None
) -> Results:
    watch = Stopwatch()
    uow = watch.uow(container.uow)
    results = Results()
    blobs = InMemoryBlobStore()
    backend_cpu = _backend_cpu(container)
    profiler = cProfile.Profile() if profile else None
    # The container's scanner: clamd where CLAMD_ADDRESS names one, else scanning off.
    scanning = receiving.Scanning(container.scanner, container.settings.scan_attempts)
    with ExitStack() as stack:
        _instrument(stack, watch)
        started, server_started = time.perf_counter(), backend_cpu()
        for number, batch in enumerate(_batches(generate(count, seed), batch_size)):
            if number * batch_size % BLOB_BATCH < batch_size:
                blobs = InMemoryBlobStore()
            watch.take()
            if profiler:
                profiler.enable()
            begin, begin_cpu = time.perf_counter(), time.process_time()
            outcomes = receiving.receive_batch(
                uow, blobs, [receiving.Incoming(g.mail, g.raw) for g in batch], scanning
            )
            total = time.perf_counter() - begin
            results.cpu.append((time.process_time() - begin_cpu) / len(batch))
            if profiler:
                profiler.disable()
            results.add_batch(batch, outcomes, watch.take(), total)
        results.wall = time.perf_counter() - started
        results.server_cpu = backend_cpu() - server_started
    results.reasons, results.calls = watch.reasons, watch.calls
    if profiler and profile:
        profiler.dump_stats(profile)
    return results


# --- reporting ----------------------------------------------------------------------------

_WHAT = {
    "parse": "`mailman.mime.parse`",
    "route": "routing lookup (system transaction)",
    "thread": "`prefetch`, `assign_thread` with their index queries",
    "store": "tenant transaction minus threading",
    "other": "sha256, blob puts, routing, building rows",
    "end to end": "`receive_batch()`",
}


def report(results: Results, count: int, batch_size: int, server: str) -> None:
    end_to_end = results.batches
    busy = sum(end_to_end)
    sizes = sorted(results.sizes)
    print(
        f"Machine: {len(os.sched_getaffinity(0))} CPUs ({cpu_model()}), "
        f"Python {platform.python_version()}; {server}; load average at the end "
        f"{os.getloadavg()[0]:.2f}\n"
    )
    mix = ", ".join(f"{k} {v / count:.0%}" for k, v in results.bodies.most_common())
    kinds = ", ".join(f"{k} {v}" for k, v in results.kinds.most_common())
    reasons = ", ".join(f"{k} {v}" for k, v in results.reasons.most_common())
    print(
        f"{count:,} messages, {sizes[0] / 1024:.1f}-{sizes[-1] / 1024:.1f} KB "
        f"(median {sizes[len(sizes) // 2] / 1024:.1f} KB, {sum(sizes) / 2**20:,.0f} MB in all); "
        f"bodies: {mix}.\nGenerated as: {kinds}.\nThreaded as: {reasons}; "
        f"{len(results.threads):,} threads, {results.quarantined} quarantined.\n"
    )
    share = {s: sum(v) / sum(results.per_stage["end to end"]) for s, v in results.per_stage.items()}
    size = batch_size
    print(f"Per message (each batch of {size} timed whole, divided by its size):\n")
    print("| stage | what is timed | p50 ms | p99 ms | mean ms | share |")
    print("|---|---|---:|---:|---:|---:|")
    for stage in STAGES:
        values = results.per_stage[stage]
        print(
            f"| {stage} | {_WHAT[stage]} | {quantile(values, 0.5) * 1000:.2f} "
            f"| {quantile(values, 0.99) * 1000:.2f} | {statistics.fmean(values) * 1000:.2f} "
            f"| {share[stage]:.0%} |"
        )
    per_batch = max(1, 1000 // size)
    first, last = end_to_end[:per_batch], end_to_end[-per_batch:]
    print(
        f"\nEnd to end: **{count / busy:,.0f} messages/s** ({count:,} in {busy:.1f} s inside "
        f"`receive_batch()`; first {len(first) * size:,} at "
        f"{len(first) * size / sum(first):,.0f}/s, last {len(last) * size:,} at "
        f"{len(last) * size / sum(last):,.0f}/s). A message waits for its "
        f"batch: latency p50 {quantile(results.batches, 0.5) * 1000:.1f} ms, p99 "
        f"{quantile(results.batches, 0.99) * 1000:.1f} ms. CPU per message: Python "
        f"{statistics.fmean(results.cpu) * 1000:.2f} ms, the PostgreSQL backend "
        f"{results.server_cpu / count * 1000:.2f} ms. Wall time with generation "
        f"{results.wall:.1f} s; peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB.\n"
    )
    calls = results.calls
    print("Database calls inside the tenant transaction, per message:\n")
    print("| call | calls/msg | p50 ms | p99 ms | mean ms |")
    print("|---|---:|---:|---:|---:|")
    for call in DATABASE_CALLS:
        values = results.per_call[call]
        if not calls[call]:
            continue
        print(
            f"| {call} | {calls[call] / count:.2f} | {quantile(values, 0.5) * 1000:.2f} "
            f"| {quantile(values, 0.99) * 1000:.2f} | {statistics.fmean(values) * 1000:.2f} |"
        )


def _checkout_receiver(other: Path) -> ModuleType:
    """`other`'s receive service (its package `mailman/services/receiving/` or its module
    `mailman/services/receive.py`) with its MIME parser (`mailman/mime/` or
    `mailman/mime*.py`).

    Imported with `other`'s `mailman/` and `mailman/services/` searched first, the MIME
    parser's public names resolved; then every module that import added leaves `sys.modules`
    again (the other checkout's keep the references they took), so this checkout's modules
    are the ones everything else still sees.
    """
    mailman, services = sys.modules["mailman"], sys.modules["mailman.services"]
    before = dict(sys.modules)
    theirs = other / "shared/mailman"
    replaced = ("mailman.mime", "mailman.services.receiv")
    for name in [name for name in sys.modules if name.startswith(replaced)]:
        del sys.modules[name]
    mailman.__path__.insert(0, str(theirs))
    services.__path__.insert(0, str(theirs / "services"))
    try:
        module = importlib.import_module("mailman.mime")
        for name in module.__all__:
            getattr(module, name)  # a package that imports a name when first used: now
        package = (theirs / "services/receiving").is_dir()
        return importlib.import_module(
            "mailman.services.receiving" if package else "mailman.services.receive"
        )
    finally:
        mailman.__path__.remove(str(theirs))
        services.__path__.remove(str(theirs / "services"))
        for name in set(sys.modules) - set(before):
            del sys.modules[name]
        sys.modules.update(before)
        mailman.mime = mime  # type: ignore[attr-defined]
        services.receiving = receiving  # type: ignore[attr-defined]


def compare(container: Container, count: int, seed: int, batch_size: int, other: Path) -> None:
    """Alternate this checkout's receive service with `other`'s, two batches each (ABBA), and
    print both rates and the median ratio of paired batch times."""
    theirs = _checkout_receiver(other)
    services = {"this checkout": receiving, str(other): theirs}
    seconds: dict[str, list[float]] = {name: [] for name in services}
    scanning = receiving.Scanning(container.scanner, container.settings.scan_attempts)
    blobs = InMemoryBlobStore()
    for number, batch in enumerate(_batches(generate(count, seed), batch_size)):
        if number * batch_size % BLOB_BATCH < batch_size:
            blobs = InMemoryBlobStore()
        name = list(services)[(number + number // 2) % 2]  # A B B A A B B A ...
        begin = time.perf_counter()
        # A checkout from before scanning (issue 23) takes no scanner.
        scanned = (scanning,) if name == "this checkout" else ()
        outcomes = services[name].receive_batch(
            container.uow, blobs, [receiving.Incoming(g.mail, g.raw) for g in batch], *scanned
        )
        seconds[name].append(time.perf_counter() - begin)
        assert all(not isinstance(o, Exception) and len(o.stored) == 1 for o in outcomes)
    print(f"{count:,} messages in batches of {batch_size}, alternating two by two:\n")
    print("| code | messages/s | median batch ms |")
    print("|---|---:|---:|")
    for name, times in seconds.items():
        print(
            f"| {name} | {len(times) * batch_size / sum(times):,.0f} "
            f"| {statistics.median(times) * 1000:.2f} |"
        )
    ours, other_times = seconds.values()
    ratio = statistics.median(a / b for a, b in zip(ours, other_times, strict=False))
    print(f"\nThis checkout's batch time over the other's: median of pairs {ratio:.3f}.")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--messages", type=int, default=10_000)
    options.add_argument("--seed", type=int, default=5)
    options.add_argument(
        "--batch", type=int, default=10, help="messages per receive_batch() call (an SQS batch)"
    )
    options.add_argument(
        "--profile", type=Path, help="write cProfile stats of the receive_batch() calls here"
    )
    options.add_argument(
        "--against",
        type=Path,
        help="another checkout whose receive service and parser take turns with this one's",
    )
    args = options.parse_args()
    # As the inbound function builds it: with prepared statements.
    container = build_container(
        Settings(database_url=_embedded_database()), prepared_statements=True
    )
    try:
        _set_up(container)
        server = _server_settings(container)
        gc.collect()
        if args.against:
            compare(container, args.messages, args.seed, args.batch, args.against.resolve())
            return
        results = run(container, args.messages, args.seed, args.batch, args.profile)
    finally:
        container.database.close()
    report(results, args.messages, args.batch, server)
    if args.profile:
        print(f"\nProfile written to {args.profile}; top functions by own time:\n")
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
