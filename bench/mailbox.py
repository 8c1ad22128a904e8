"""Mailbox benchmark: listing, counting, changing and searching a mailbox of a million messages.

    .venv/bin/python bench/mailbox.py [--messages 1000000] [--runs 60] [--explain]
    .venv/bin/python bench/mailbox.py --messages 50000 --data-dir .local/bench-mailbox

Seeds `--messages` messages, deterministically (`--seed`), into an embedded PostgreSQL
migrated with the project's migrations, kept in `--data-dir` (one database per size and
seed, so a rerun measures without seeding again; `--reseed` starts over). One organisation,
one domain, two inboxes (nine messages in ten in the first), each with five custom folders.

The mail: threads of mostly one to three messages with a long tail (up to 300); received
mail filed by thread in inbox, archive, the custom folders, spam and trash in the
proportions of a kept mailbox (most of it archived), replies sent from the inbox in sent, a
few drafts; labels per thread, none to three, Zipf-distributed over three dozen; recent
mail more often unread, a few starred; 15% with attachments (count and file names); bodies
of 200 bytes to 40 KB (median about 1.5 KB) drawn from a Zipf vocabulary; senders drawn
from a pool of 20,000 addresses, Zipf again. Searches look for words planted at known
rates: five common words (each in about 8% of messages), ten rare ones (one message in
20,000), five three-word phrases (0.4%) and five frequent senders (0.3%).

Seeding COPYs the rows with the statement trigger of migration 0020 off (the session runs
as a replica, which skips it and the foreign-key checks; the rows are consistent by
construction) and the secondary indexes dropped, then fills `thread_facets` and
`mailbox_counts` with one set-based statement each, the same aggregation over
`mailbox_facets(...)` as `mailbox_rebuild_threads` and `mailbox_count_changes`, sets the
threads' unread counts from them, builds the indexes again and runs VACUUM ANALYZE. A
sample of threads is then rebuilt by `mailbox_rebuild_threads` (what the trigger's figures
must always equal) to check the facets agree. `messages` is written at the fill factor of
migration 0027 (COPY leaves its free space on each page).

Measured (warm: each operation runs a few times first), `--runs` times each with varied
parameters: the first and a deep keyset page of threads in a folder, a label filter, the
folder counts of an inbox, a batch change of 500 messages (marking a batch of read messages
unread and read again, committed, so the mailbox stays as seeded), and search for a common
word, a rare word, a phrase and `from:` with a word. The measured side calls the project's
services (`mailman.services.mailbox.list_threads`, `mailman.services.mailbox_state`'s
`list_folders` and `change_messages`, `mailman.services.search.search`) over the PostgreSQL
unit of work, as the tenant. The floor replays, through psycopg on a connection of its own,
the query itself among the statements that call sent (recorded as it ran: the same SQL,
parameters and indexes, after the same tenant settings; not the checks around it, such as
the inbox's existence) and fetches the rows: the difference is what the code adds on top
of PostgreSQL. "No RLS" replays the floor's statements once more as the database's owner,
whom row-level security does not bind: what the tenant's policies cost. Measured, floor
and no RLS take turns, so a swing of this machine falls on all alike. Where this checkout
lacks a service, only the floor runs, over a reference statement of this file.

Every statement measured is EXPLAINed as the tenant; a sequential scan of `messages` in
any plan is reported (`--explain` prints the plans' top lines). Nothing here asserts on
time: the table's last column says which operations meet the targets of issue 22 (every
list and search p95 at most 50 ms, a batch of 500 at most 200 ms).
"""

from __future__ import annotations

import argparse
import copy
import importlib
import itertools
import math
import os
import platform
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg
from psycopg import sql

from local.postgres import ensure_database, start_embedded
from mailman.adapters.clock import SystemClock
from mailman.adapters.postgres.database import Database
from mailman.adapters.postgres.migrations import migrate
from mailman.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory

# Run as a script, bench/ is importable from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.parse import cpu_model, quantile

DOMAIN = "acme.example"
INBOXES = (("support", 0.9), ("sales", 0.1))
CUSTOM_FOLDERS = ("Customers", "Vendors", "Receipts", "Projects", "Newsletters")
END = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SPAN = timedelta(days=730)

COMMON_WORDS = ("invoice", "delivery", "contract", "payment", "schedule")
COMMON_RATE = 0.08
RARE_WORDS = (
    "zanzibar", "quokka", "marzipan", "obsidian", "kumquat",
    "fjordline", "tamarind", "xylograph", "pemberton", "wolfram",
)  # fmt: skip
RARE_RATE = 1 / 20_000
PHRASES = (
    "quarterly board meeting", "late delivery fee", "signed purchase order",
    "annual price review", "shipping label attached",
)  # fmt: skip
PHRASE_RATE = 0.004
SENDERS = (
    "olga.ivanova@customer-corp.example", "kenji.sato@retail-shop.example",
    "priya.patel@agency.example", "lucas.rossi@uni-berlin.example",
    "fatima.hassan@outlook.example",
)  # fmt: skip
SENDER_RATE = 0.003
LABELS = (
    "important", "billing", "urgent", "follow-up", "customers/acme", "customers/globex",
    "customers/initech", "vendors", "legal", "hr", "q4", "q3", "travel", "receipts",
    "shipping", "returns", "refunds", "escalated", "waiting", "newsletter", "partners",
    "press", "support/tier2", "support/tier3", "sales/leads", "sales/renewals", "security",
    "finance", "ops", "product", "design", "feedback", "bugs", "contracts", "archive-2025",
    "personal",
)  # fmt: skip
_HEAD_WORDS = (
    "the", "to", "and", "of", "a", "i", "in", "you", "for", "is", "that", "it", "on", "we", "be",
    "this", "with", "your", "have", "are", "at", "not", "please", "can", "will", "as", "or",
    "if", "from", "our", "but", "me", "thanks", "so", "all", "do", "an", "would", "my", "by",
    "about", "know", "just", "was", "let", "there", "get", "what", "us", "one", "they", "time",
    "any", "need", "could", "more", "order", "when", "here", "up", "also", "team", "which",
    "new", "has", "out", "send", "should", "like", "been", "see", "account", "some", "back",
    "week", "today", "question", "email", "now", "meeting", "help", "best", "regards", "date",
    "board", "quarterly", "review", "price", "label", "purchase", "fee", "attached", "annual",
    "signed", "shipping", "hello", "hi", "monday", "friday", "report", "update", "call",
    "tomorrow", "issue", "problem", "thank", "customer", "service", "details", "number",
    "following", "information", "below", "next", "sent",
)  # fmt: skip
_SYLLABLES = (
    "ka", "ri", "to", "ne", "mo", "sa", "lu", "pe", "vi", "da", "ko", "re", "ta", "mi", "no",
    "su", "he", "ba", "ro", "li", "ga", "de", "fu", "zo", "ny", "ph", "st", "tr", "ch", "sh",
    "an", "en", "in", "on", "ur", "el", "al", "or", "is",
)  # fmt: skip
VOCABULARY_SIZE = 40_000
STREAM_WORDS = 3_000_000
TOPICS = (
    "Order {n} has not arrived", "Question about invoice INV-{n}", "Refund for order {n}",
    "Cannot log in to account {n}", "Change of delivery address for {n}",
    "Upgrade plan for team {n}", "Damaged item in shipment {n}", "API key {n} rejected",
    "Cancel subscription {n}", "Quote request {n} for 40 seats", "Meeting notes {n}",
    "Wrong size delivered, order {n}", "Tax exemption certificate {n}", "Weekly report {n}",
)  # fmt: skip
ATTACHMENTS = (
    "invoice-{n}.pdf", "photo_{n}.jpg", "contract-{n}.docx", "report-q{q}-2026.xlsx",
    "scan{n}.pdf", "screenshot-{n}.png", "receipt_{n}.pdf",
)  # fmt: skip
LIST_TARGET_MS = 50.0
BATCH_TARGET_MS = 200.0
BATCH = 500
PAGE_SIZES = (25, 50)
PARTS = min(2, os.cpu_count() or 1)
"""Connections COPYing at once: the server's work (the search vectors) is most of seeding."""
DEEP_PAGE = 200
"""How many pages deep the deep keyset page starts (at 25 a page: thread 5,000)."""


def _zipf_cumulative(count: int, exponent: float = 1.0) -> list[float]:
    return list(itertools.accumulate(1 / (rank**exponent) for rank in range(1, count + 1)))


# --- the mail -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mailbox:
    """What seeding made and the measurements read: the tenant and its inboxes."""

    organization_id: uuid.UUID
    inboxes: tuple[uuid.UUID, ...]
    folders: dict[uuid.UUID, tuple[str, ...]]
    """Each inbox's custom folders (their ids as text, as `messages.folder` holds them)."""


@dataclass
class _Thread:
    id: uuid.UUID
    inbox: int
    subject: str
    folder: str
    labels: list[str]
    messages: list[dict[str, Any]] = field(default_factory=list)


class Generator:
    """Deterministic mail; `rng` drives every choice."""

    def __init__(self, seed: int, mailbox: Mailbox) -> None:
        self.rng = random.Random(seed)
        self.mailbox = mailbox
        rng = self.rng
        self.serial = 0
        words = list(_HEAD_WORDS)
        seen = set(words) | set(COMMON_WORDS) | set(RARE_WORDS)
        while len(words) < VOCABULARY_SIZE:
            word = "".join(rng.choices(_SYLLABLES, k=rng.choice((2, 2, 3, 3, 4))))
            if word not in seen:
                seen.add(word)
                words.append(word)
        self.stream = " ".join(
            rng.choices(words, cum_weights=_zipf_cumulative(len(words)), k=STREAM_WORDS)
        )
        pool = [
            f"{rng.choice(words)}.{rng.choice(words)}{rng.randint(1, 99)}@"
            f"{rng.choice(words)}.example"
            for _ in range(20_000)
        ]
        self.senders = pool
        self.sender_weights = _zipf_cumulative(len(pool), 0.8)
        self.label_weights = _zipf_cumulative(len(LABELS))
        self.folder_weights = _zipf_cumulative(len(CUSTOM_FOLDERS))

    def part(self, index: int) -> Generator:
        """A generator of the same vocabulary and senders with a stream of choices of its own,
        so that parts can be written at once; message ids stay unique by their part."""
        twin = copy.copy(self)
        twin.rng = random.Random(f"{self.rng.random()}/{index}")
        twin.serial = index << 40
        return twin

    def body(self) -> str:
        rng = self.rng
        size = int(min(40_000, max(200, rng.lognormvariate(math.log(1_500), 0.9))))
        start = rng.randrange(0, len(self.stream) - size - 1)
        start = self.stream.index(" ", start) + 1
        end = self.stream.rfind(" ", start, start + size)
        text = self.stream[start : end if end > start else start + size]
        planted = [w for w in COMMON_WORDS if rng.random() < COMMON_RATE]
        planted += [w for w in RARE_WORDS if rng.random() < RARE_RATE]
        planted += [p for p in PHRASES if rng.random() < PHRASE_RATE]
        for words in planted:
            cut = text.find(" ", rng.randrange(len(text)))
            cut = len(text) if cut < 0 else cut
            text = f"{text[:cut]} {words}{text[cut:]}"
        return text

    def sender(self) -> str:
        rng = self.rng
        if rng.random() < SENDER_RATE * len(SENDERS):
            return rng.choice(SENDERS)
        return rng.choices(self.senders, cum_weights=self.sender_weights)[0]

    def thread_size(self) -> int:
        roll = self.rng.random()
        if roll < 0.55:
            return 1
        if roll < 0.77:
            return 2
        if roll < 0.87:
            return 3
        return min(300, 3 + int(self.rng.paretovariate(1.3)))

    def labels(self) -> list[str]:
        count = self.rng.choices((0, 1, 2, 3), weights=(50, 30, 14, 6))[0]
        chosen = self.rng.choices(LABELS, cum_weights=self.label_weights, k=count)
        return list(dict.fromkeys(chosen))

    def folder(self, inbox: uuid.UUID, size: int) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.30:
            return "inbox"
        if roll < 0.75:
            return "archive"
        if roll < 0.90:
            custom = self.mailbox.folders[inbox]
            return rng.choices(custom, cum_weights=self.folder_weights)[0]
        if roll < 0.94 and size == 1:
            return "spam"
        return "trash" if roll >= 0.94 else "archive"

    def attachments(self) -> list[str]:
        rng = self.rng
        if rng.random() >= 0.15:
            return []
        count = rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
        return [
            rng.choice(ATTACHMENTS).format(n=rng.randint(1000, 99999), q=rng.randint(1, 4))
            for _ in range(count)
        ]

    def thread(self, size: int) -> _Thread:
        rng = self.rng
        position = rng.random() ** 0.7  # more mail lately
        started = END - SPAN + SPAN * position
        inbox_index = 0 if rng.random() < INBOXES[0][1] else 1
        inbox = self.mailbox.inboxes[inbox_index]
        subject = rng.choice(TOPICS).format(n=rng.randint(10_000, 999_999))
        thread = _Thread(
            uuid.UUID(int=rng.getrandbits(128), version=4),
            inbox_index,
            subject,
            self.folder(inbox, size),
            self.labels(),
        )
        at = started
        customer = self.sender()
        for index in range(size):
            outbound = index > 0 and rng.random() < 0.45 and thread.folder not in ("spam",)
            thread.messages.append(self._message(thread, index, at, outbound, customer))
            at += timedelta(seconds=rng.expovariate(1 / 21_600))
        if thread.folder not in ("spam", "trash") and rng.random() < 0.003:
            thread.messages.append(self._message(thread, size, at, True, customer, draft=True))
        return thread

    def _message(
        self,
        thread: _Thread,
        index: int,
        at: datetime,
        outbound: bool,
        customer: str,
        *,
        draft: bool = False,
    ) -> dict[str, Any]:
        rng = self.rng
        self.serial += 1
        inbox_part = INBOXES[thread.inbox][0]
        ours = f"{inbox_part}@{DOMAIN}"
        sender = (
            ours if outbound else (customer if index == 0 or rng.random() < 0.8 else self.sender())
        )
        recipient = customer if outbound else ours
        folder = thread.folder
        if draft:
            folder = "drafts"
        elif outbound and folder not in ("trash",):
            folder = "sent"
        age = END - at
        unread = not outbound and rng.random() < (0.4 if age < timedelta(days=7) else 0.03)
        body = self.body()
        files = self.attachments()
        return {
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "message_id": f"<{self.serial:x}.{rng.getrandbits(48):012x}@{sender.split('@')[1]}>",
            "direction": "outbound" if outbound else "inbound",
            "status": "draft" if draft else ("delivered" if outbound else None),
            "from_address": sender,
            "from_name": sender.split("@")[0].replace(".", " ").title(),
            "subject": thread.subject if index == 0 else f"Re: {thread.subject}",
            "at": at,
            "body": body,
            "folder": folder,
            "is_read": not unread,
            "starred": folder not in ("spam", "trash") and rng.random() < 0.02,
            "labels": [] if folder in ("spam", "trash") else thread.labels,
            "files": files,
            "recipients_text": _address_words(recipient),
        }


def _address_words(address: str) -> str:
    """What migration 0020's `mailman_address_words` makes of an address, with no name."""
    local, _, domain = address.partition("@")
    return f" {address} {domain} {local.translate(str.maketrans('._-+', '    '))}"


# --- seeding ------------------------------------------------------------------------------

_MESSAGE_COLUMNS = (
    "id", "organization_id", "inbox_id", "thread_id", "message_id", "direction", "status",
    "from_address", "from_name", "subject", "sent_at", "received_at", "text_body", "preview",
    "content_sha256", "source", "size_bytes", "folder", "restore_folder", "is_read", "starred",
    "labels", "attachment_count", "attachment_names", "recipients_text", "created_at",
    "updated_at", "deleted_at",
)  # fmt: skip
_THREAD_COLUMNS = (
    "id", "organization_id", "inbox_id", "subject", "normalized_subject", "message_count",
    "last_message_at", "last_message_id", "preview", "rooted", "created_at", "updated_at",
)  # fmt: skip


def _message_row(mailbox: Mailbox, thread: _Thread, m: dict[str, Any]) -> tuple[Any, ...]:
    trashed = m["folder"] == "trash"
    outbound = m["direction"] == "outbound"
    files = m["files"]
    return (
        m["id"],
        mailbox.organization_id,
        mailbox.inboxes[thread.inbox],
        thread.id,
        m["message_id"],
        m["direction"],
        m["status"],
        m["from_address"],
        m["from_name"],
        m["subject"],
        m["at"] if outbound else None,
        None if outbound else m["at"],
        m["body"],
        m["body"][:120],
        m["id"].hex,
        "api" if outbound else "ses",
        len(m["body"]) + 900 + 40_000 * len(files),
        m["folder"],
        "sent" if trashed and outbound else ("inbox" if trashed else None),
        m["is_read"],
        m["starred"],
        m["labels"],
        len(files),
        " ".join(files) or None,
        m["recipients_text"],
        m["at"],
        m["at"],
        m["at"] + timedelta(days=1) if trashed else None,
    )


def _thread_row(mailbox: Mailbox, thread: _Thread) -> tuple[Any, ...]:
    live = [m for m in thread.messages if m["folder"] != "trash"]
    last = max(live, key=lambda m: m["at"]) if live else None
    first = thread.messages[0]["at"]
    return (
        thread.id,
        mailbox.organization_id,
        mailbox.inboxes[thread.inbox],
        thread.subject,
        thread.subject.lower(),
        len(live),
        last["at"] if last else None,
        last["id"] if last else None,
        last["body"][:120] if last else None,
        True,
        first,
        last["at"] if last else first,
    )


def _create_tenant(conn: psycopg.Connection[Any]) -> Mailbox:
    organization_id = uuid.uuid4()
    conn.execute("INSERT INTO organizations (id, name) VALUES (%s, 'bench')", [organization_id])
    domain = conn.execute(
        "INSERT INTO domains (organization_id, name, unicode_name, status) "
        "VALUES (%s, %s, %s, 'verified') RETURNING id",
        [organization_id, DOMAIN, DOMAIN],
    ).fetchone()
    assert domain is not None
    inboxes: list[uuid.UUID] = []
    folders: dict[uuid.UUID, tuple[str, ...]] = {}
    for local_part, _share in INBOXES:
        inbox = uuid.uuid4()
        conn.execute(
            "INSERT INTO inboxes (id, organization_id, domain_id, local_part) "
            "VALUES (%s, %s, %s, %s)",
            [inbox, organization_id, domain[0], local_part],
        )
        ids = []
        for name in CUSTOM_FOLDERS:
            row = conn.execute(
                "INSERT INTO folders (organization_id, inbox_id, name) VALUES (%s, %s, %s) "
                "RETURNING id",
                [organization_id, inbox, name],
            ).fetchone()
            assert row is not None
            ids.append(str(row[0]))
        inboxes.append(inbox)
        folders[inbox] = tuple(ids)
    return Mailbox(organization_id, tuple(inboxes), folders)


def load_mailbox(conn: psycopg.Connection[Any]) -> Mailbox:
    """The tenant a seeded database holds."""
    inboxes = conn.execute(
        "SELECT organization_id, id FROM inboxes ORDER BY local_part DESC"
    ).fetchall()
    folders = {
        inbox: tuple(
            str(r[0])
            for r in conn.execute(
                "SELECT id FROM folders WHERE inbox_id = %s ORDER BY array_position(%s, name)",
                [inbox, list(CUSTOM_FOLDERS)],
            )
        )
        for _org, inbox in inboxes
    }
    return Mailbox(inboxes[0][0], tuple(i for _o, i in inboxes), folders)


FILL_FACETS = (
    "INSERT INTO thread_facets (organization_id, inbox_id, thread_id, facet, messages, unread, "
    "last_at) SELECT m.organization_id, m.inbox_id, m.thread_id, f.facet, count(*), "
    "count(*) FILTER (WHERE NOT m.is_read), max(COALESCE(m.received_at, m.sent_at, m.created_at)) "
    "FROM messages m CROSS JOIN LATERAL unnest(mailbox_facets(m.folder, m.quarantined, "
    "m.is_read, m.starred, m.labels, m.attachment_count, m.direction, m.from_address)) "
    "AS f(facet) WHERE m.thread_id IS NOT NULL "
    "GROUP BY m.organization_id, m.inbox_id, m.thread_id, f.facet ORDER BY m.thread_id, f.facet"
)
"""`mailbox_rebuild_threads` over every thread at once, each thread's facets together, as the
trigger writes them (a thread's first message brings most of them at once): grouped by a hash,
they fell on as many pages as they are, and marking a message read read each."""
FILL_COUNTS = (
    "INSERT INTO mailbox_counts (organization_id, inbox_id, facet, total, unread) "
    "SELECT m.organization_id, m.inbox_id, f.facet, count(*), "
    "count(*) FILTER (WHERE NOT m.is_read) "
    "FROM messages m CROSS JOIN LATERAL unnest(mailbox_facets(m.folder, m.quarantined, "
    "m.is_read, m.starred, m.labels, m.attachment_count, m.direction, m.from_address)) "
    "AS f(facet) "
    "GROUP BY m.organization_id, m.inbox_id, f.facet"
)
"""`mailbox_count_changes` with every message come, none gone."""
TRASHED_THREADS = "UPDATE threads SET deleted_at = updated_at WHERE message_count = 0"
"""A thread whose every message is in trash is deleted with them, as moving it there does."""
FILL_UNREAD = (
    "UPDATE threads t SET unread_count = f.unread FROM thread_facets f "
    "WHERE f.thread_id = t.id AND f.facet = 'all' AND f.unread > 0"
)


@contextmanager
def _step(label: str) -> Iterator[None]:
    started = time.perf_counter()
    print(f"  {label} ...", end="", flush=True)
    yield
    print(f" {time.perf_counter() - started:,.1f} s", flush=True)


def _secondary_indexes(conn: psycopg.Connection[Any], tables: Sequence[str]) -> list[str]:
    """The definitions of the indexes of `tables` that no constraint owns."""
    rows = conn.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY (%s::regclass[]) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [list(tables)],
    ).fetchall()
    return [r[0] for r in rows]


def _copy_mail(conninfo: str, generator: Generator, count: int) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        _copy_rows(conn, generator, count)


def _copy_rows(conn: psycopg.Connection[Any], generator: Generator, count: int) -> None:
    mailbox = generator.mailbox
    threads: list[tuple[Any, ...]] = []
    participants: list[tuple[Any, ...]] = []
    written = 0
    columns = sql.SQL(", ").join(map(sql.Identifier, _MESSAGE_COLUMNS))
    with conn.cursor().copy(sql.SQL("COPY messages ({}) FROM STDIN").format(columns)) as copy:
        while written < count:
            thread = generator.thread(min(generator.thread_size(), count - written))
            for message in thread.messages:
                copy.write_row(_message_row(mailbox, thread, message))
            written += len(thread.messages)
            threads.append(_thread_row(mailbox, thread))
            participants.extend(
                (mailbox.organization_id, thread.id, a)
                for a in {m["from_address"] for m in thread.messages}
            )
    columns = sql.SQL(", ").join(map(sql.Identifier, _THREAD_COLUMNS))
    with conn.cursor().copy(sql.SQL("COPY threads ({}) FROM STDIN").format(columns)) as copy:
        for row in threads:
            copy.write_row(row)
    with conn.cursor().copy(
        "COPY thread_participants (organization_id, thread_id, address) FROM STDIN"
    ) as copy:
        for row in participants:
            copy.write_row(row)


def seed(conninfo: str, count: int, seed_value: int) -> None:
    """Fill a migrated, empty database with `count` messages (see the module's docstring)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET session_replication_role = replica")
        mailbox = _create_tenant(conn)
        tables = ("messages", "thread_facets")
        indexes = _secondary_indexes(conn, tables)
        for definition in indexes:
            name = definition.split(" INDEX ", 1)[1].split(" ON ", 1)[0]
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        with _step("generating the vocabulary"):
            generator = Generator(seed_value, mailbox)
        with (
            _step(f"COPY {count:,} messages, their threads and participants ({PARTS} at once)"),
            ThreadPoolExecutor(PARTS) as pool,
        ):
            shares = [count // PARTS + (i < count % PARTS) for i in range(PARTS)]
            parts = [generator.part(i) for i in range(PARTS)]
            for done in [
                pool.submit(_copy_mail, conninfo, g, n) for g, n in zip(parts, shares, strict=True)
            ]:
                done.result()
        with _step("thread_facets"):
            conn.execute(TRASHED_THREADS)
            conn.execute(FILL_FACETS)
        with _step("mailbox_counts and threads' unread counts"):
            conn.execute(FILL_COUNTS)
            conn.execute(FILL_UNREAD)
        for definition in indexes:
            with _step(definition.split(" INDEX ", 1)[1].split(" ON ", 1)[0]):
                conn.execute(definition)
        conn.execute("SET session_replication_role = origin")
        with _step("VACUUM ANALYZE"):
            conn.execute("VACUUM ANALYZE")
        _check_facets(conn)


def _check_facets(conn: psycopg.Connection[Any]) -> None:
    """Rebuild a sample of threads with `mailbox_rebuild_threads`; their facets must not move."""
    select = (
        "SELECT thread_id, facet, messages, unread, last_at FROM thread_facets "
        "WHERE thread_id = ANY (%s) ORDER BY 1, 2"
    )
    with conn.transaction(force_rollback=True):
        sample = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM threads TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 500"
            )
        ]
        before = conn.execute(select, [sample]).fetchall()
        conn.execute("SELECT mailbox_rebuild_threads(%s)", [sample])
        after = conn.execute(select, [sample]).fetchall()
    assert before == after, "the seeded facets differ from mailbox_rebuild_threads'"
    print(f"  facets of {len(sample)} sampled threads agree with mailbox_rebuild_threads")


def seeded_database(data_dir: Path, count: int, seed_value: int, *, reseed: bool) -> str:
    """The database of `count` messages, seeded unless a previous run finished seeding it."""
    server = start_embedded(data_dir / "postgres")
    name = f"mailbox_{count}_{seed_value}"
    if reseed:
        from local.postgres import drop_database

        drop_database(server, name)
    conninfo = ensure_database(server, name)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    if row and row[0] == "seeded":
        print(f"Database {name} in {data_dir} is seeded already.")
        return conninfo
    migrate(conninfo)
    print(f"Seeding {count:,} messages into {name} in {data_dir}:")
    started = time.perf_counter()
    seed(conninfo, count, seed_value)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS 'seeded'").format(sql.Identifier(name)))
    print(f"Seeded in {time.perf_counter() - started:,.0f} s.\n")
    return conninfo


# --- measuring ----------------------------------------------------------------------------

Statement = tuple[Any, Any]
"""A query as psycopg was given it, with its parameters."""
Measured = Callable[["Context", Any], object]
Cases = Callable[[random.Random, int], list[Any]]
WARM_RUNS = 5
MIN_RUNS = 10


@contextmanager
def recording() -> Iterator[list[Statement]]:
    """Every statement psycopg executes meanwhile, in order."""
    statements: list[Statement] = []
    execute = psycopg.Cursor.execute

    def recorded(cursor: Any, query: Any, params: Any = None, **options: Any) -> Any:
        statements.append((query, params))
        return execute(cursor, query, params, **options)

    with mock.patch.object(psycopg.Cursor, "execute", recorded):
        yield statements


def _text(query: Any) -> str:
    return query if isinstance(query, str) else query.as_string(None)


def _module(name: str) -> Any:
    """A module of the mailbox's code, or None where this checkout does not have it yet."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None


@dataclass(frozen=True)
class Context:
    """What a measured call is given: the tenant's unit of work and the seeded mailbox."""

    uow: PostgresUnitOfWorkFactory
    mailbox: Mailbox
    clock: SystemClock


@dataclass(frozen=True)
class Operation:
    """One measured operation.

    `cases` makes each run's parameters; `measured` calls the project's code with them (None
    where this checkout lacks it: then only the floor runs, `reference`'s statements). The
    floor replays the statements of the measured call that `core` picks (the query itself,
    not the checks around it), after the tenant's settings, in one transaction. Runs go in
    groups of `group`: the measured calls of a group, then their floors (a batch marks
    messages unread, then read again, and so must its floor)."""

    name: str
    target_ms: float
    cases: Cases
    measured: Measured | None
    reference: Callable[[Any], list[Statement]]
    core: Callable[[str], bool]
    group: int = 1


@dataclass
class Result:
    operation: Operation
    measured: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    owner: list[float] = field(default_factory=list)
    """The floor's statements again as the database's owner, whom row-level security does
    not bind: what the tenant's policies cost (in planning above all)."""
    plans: list[tuple[str, list[str]]] = field(default_factory=list)
    """Each core statement's text and its EXPLAIN's lines."""


def _tenant(organization_id: uuid.UUID) -> Statement:
    return (
        "SELECT set_config('role', 'mailman_tenant', true), "
        "set_config('mailman.organization_id', %s, true), "
        "set_config('mailman.inbox_ids', '', true), set_config('mailman.actor', '', true)",
        [str(organization_id)],
    )


def replay(conn: psycopg.Connection[Any], statements: Sequence[Statement]) -> None:
    with conn.transaction():
        for query, params in statements:
            cursor = conn.execute(query, params)
            if cursor.description is not None:
                cursor.fetchall()


def explain(conn: psycopg.Connection[Any], tenant: Statement, query: Any, params: Any) -> list[str]:
    """The plan of `query` as the tenant would run it (not executed)."""
    with conn.transaction(force_rollback=True):
        conn.execute(*tenant)
        text = _text(query)
        rows = conn.execute(f"EXPLAIN {text}", params).fetchall()
    return [r[0] for r in rows]


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def measure(
    operation: Operation,
    context: Context,
    floor: psycopg.Connection[Any],
    runs: int,
    seed: int,
    budget: float,
) -> Result:
    """Warm runs first (not kept; fewer once they take a tenth of `budget`), then `runs` of
    each side, in turns; fewer (but at least `MIN_RUNS`) once they take `budget` seconds."""
    result = Result(operation)
    tenant = _tenant(context.mailbox.organization_id)
    group = operation.group
    cases = operation.cases(random.Random(seed), WARM_RUNS * group + runs)
    started = time.perf_counter()
    warm = WARM_RUNS * group
    start = 0
    while start < len(cases):
        if start == warm:
            _clear(result)
            started = time.perf_counter()
        cores = _run_measured(operation, context, cases[start : start + group], result)
        result.floor.extend(_timed(partial(replay, floor, [tenant, *c])) for c in cores)
        result.owner.extend(_timed(partial(replay, floor, c)) for c in cores)
        if not result.plans:
            result.plans = [(_text(q), explain(floor, tenant, q, p)) for q, p in cores[0]]
        start += group
        spent = time.perf_counter() - started
        if start < warm and spent > budget / 10:
            start = warm
        elif start > warm and spent > budget and len(result.floor) >= MIN_RUNS:
            break
    return result


def _clear(result: Result) -> None:
    result.measured.clear()
    result.floor.clear()
    result.owner.clear()


def _run_measured(
    operation: Operation, context: Context, cases: Sequence[Any], result: Result
) -> list[list[Statement]]:
    """Run the measured side of `cases`, timing each into `result`; answer each one's core
    statements (the reference's where there is no measured side)."""
    cores: list[list[Statement]] = []
    for case in cases:
        if operation.measured is None:
            cores.append(operation.reference(case))
            continue
        with recording() as statements:
            result.measured.append(_timed(partial(operation.measured, context, case)))
        cores.append([s for s in statements if operation.core(_text(s[0]))])
    return cores


# --- the operations -----------------------------------------------------------------------


@dataclass(frozen=True)
class Fixtures:
    """What the cases draw on, found before any timing: where a deep page starts in each
    listed folder, and batches of read, live messages to mark unread and read again."""

    mailbox: Mailbox
    listed: list[tuple[uuid.UUID, str]]
    """(inbox, folder) pairs a folder's thread list shows, the main inbox's most often."""
    deep: dict[tuple[uuid.UUID, str], tuple[datetime, uuid.UUID]]
    batches: list[list[uuid.UUID]]


def _facet(folder: str) -> str:
    return f"in:{folder}"


def fixtures(conn: psycopg.Connection[Any], mailbox: Mailbox, batches: int) -> Fixtures:
    main, other = mailbox.inboxes
    listed = [(main, f) for f in ("inbox", "archive", "sent", mailbox.folders[main][0])]
    listed += [(other, "inbox"), (other, "archive")]
    deep = {}
    for inbox, folder in listed:
        row = conn.execute(
            "WITH n AS (SELECT count(*) AS n FROM thread_facets "
            "  WHERE inbox_id = %(inbox)s AND facet = %(facet)s) "
            "SELECT last_at, thread_id FROM thread_facets "
            "WHERE inbox_id = %(inbox)s AND facet = %(facet)s "
            "ORDER BY last_at DESC, thread_id DESC "
            "OFFSET least(%(deep)s, (SELECT n / 2 FROM n)) LIMIT 1",
            {"inbox": inbox, "facet": _facet(folder), "deep": DEEP_PAGE * PAGE_SIZES[0]},
        ).fetchone()
        assert row is not None, (inbox, folder)
        deep[inbox, folder] = (row[0], row[1])
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM messages WHERE inbox_id = %s AND is_read AND deleted_at IS NULL "
            "AND folder <> 'spam' ORDER BY md5(id::text) LIMIT %s",
            [main, batches * BATCH],
        )
    ]
    return Fixtures(mailbox, listed, deep, [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)])


_REFERENCE_THREADS = (
    "SELECT t.id, t.subject, t.message_count, t.unread_count, t.preview, t.last_message_at, "
    "f.last_at FROM thread_facets f JOIN threads t ON t.id = f.thread_id "
    "WHERE f.inbox_id = %(inbox)s AND f.facet = %(facet)s AND t.deleted_at IS NULL "
    "AND (%(at)s::timestamptz IS NULL OR (f.last_at, f.thread_id) < (%(at)s, %(id)s)) "
    "ORDER BY f.last_at DESC, f.thread_id DESC LIMIT %(limit)s"
)
"""What a list of threads asks when this checkout has no listing by facet of its own."""


@dataclass(frozen=True)
class ThreadsCase:
    inbox: uuid.UUID
    folder: str | None
    label: str | None
    limit: int
    after: tuple[datetime, uuid.UUID] | None


def _reference_threads(case: ThreadsCase) -> list[Statement]:
    facet = _facet(case.folder) if case.folder else f"label:{case.label}"
    at, last = case.after or (None, None)
    params = {"inbox": case.inbox, "facet": facet, "at": at, "id": last, "limit": case.limit + 1}
    return [(_REFERENCE_THREADS, params)]


def _list_threads(context: Context, case: ThreadsCase) -> object:
    services = _module("mailman.services.mailbox")
    state = _module("mailman.domain.mailbox_state")
    pagination = _module("mailman.domain.pagination")
    after = pagination.Cursor(*case.after) if case.after else None
    return services.list_threads(
        context.uow,
        context.mailbox.organization_id,
        case.inbox,
        pagination.PageRequest(limit=case.limit, after=after),
        filters=state.MailboxFilter(folder=case.folder, label=case.label),
    )


def _folder_counts(context: Context, inbox: uuid.UUID) -> object:
    services = _module("mailman.services.mailbox_state")
    return services.list_folders(context.uow, context.mailbox.organization_id, inbox)


def _reference_counts(inbox: uuid.UUID) -> list[Statement]:
    return [("SELECT facet, total, unread FROM mailbox_counts WHERE inbox_id = %s", [inbox])]


@dataclass(frozen=True)
class BatchCase:
    ids: list[uuid.UUID]
    read: bool


def _change_batch(context: Context, case: BatchCase) -> object:
    services = _module("mailman.services.mailbox_state")
    change = _module("mailman.domain.folders").MailboxChange.of(read=case.read)
    return services.change_messages(
        context.uow, context.clock, context.mailbox.organization_id, case.ids, change
    )


def _reference_batch(case: BatchCase) -> list[Statement]:
    return [
        (
            "UPDATE messages SET is_read = %s, updated_at = now() WHERE id = ANY (%s) "
            "AND deleted_at IS NULL",
            [case.read, case.ids],
        )
    ]


@dataclass(frozen=True)
class SearchCase:
    inbox: uuid.UUID
    query: str
    reference: str
    """The query as a tsquery, for the reference statement."""


def _search(context: Context, case: SearchCase) -> object:
    domain = _module("mailman.domain.search")
    service = _module("mailman.services.search")
    organization_id = context.mailbox.organization_id
    if service is not None and hasattr(service, "search"):
        return service.search(context.uow, organization_id, case.query, inbox_id=case.inbox)
    request = domain.SearchRequest(domain.parse_query(case.query), organization_id, case.inbox)
    with context.uow(organization_id) as work:
        index: Any = work
        return index.search.search(request)


def _reference_search(case: SearchCase) -> list[Statement]:
    return [
        (
            "SELECT m.id, m.subject, m.created_at, "
            "ts_rank(m.search, to_tsquery('public.mailman_search', %(q)s)) AS rank "
            "FROM messages m WHERE m.inbox_id = %(inbox)s AND m.deleted_at IS NULL "
            "AND m.search @@ to_tsquery('public.mailman_search', %(q)s) "
            "AND m.folder <> 'trash' AND m.folder <> 'spam' AND NOT m.quarantined "
            "ORDER BY rank DESC, m.created_at DESC LIMIT 21",
            {"q": case.reference, "inbox": case.inbox},
        )
    ]


def _when(module: str, call: Callable[[Context, Any], object]) -> Measured | None:
    """`call` where this checkout has `module` (the code it calls), else None."""
    return call if _module(module) is not None else None


def _core_of(*marks: str) -> Callable[[str], bool]:
    """A core statement's test: its text holds one of `marks`."""
    return lambda text: any(m in text for m in marks)


def _common(rng: random.Random) -> tuple[str, str]:
    word = rng.choice(COMMON_WORDS)
    return word, word


def _rare(rng: random.Random) -> tuple[str, str]:
    word = rng.choice(RARE_WORDS)
    return word, word


def _phrase(rng: random.Random) -> tuple[str, str]:
    words = rng.choice(PHRASES)
    return f'"{words}"', " <-> ".join(words.split())


def _sender(rng: random.Random) -> tuple[str, str]:
    who, word = rng.choice(SENDERS), rng.choice(COMMON_WORDS)
    return f"from:{who} {word}", f"'{who}':B & {word}"


def operations(fixtures: Fixtures) -> list[Operation]:
    mailbox = fixtures.mailbox
    main = mailbox.inboxes[0]
    threads = _when("mailman.domain.mailbox_state", _list_threads)
    counted = _when("mailman.services.mailbox_state", _folder_counts)
    changed = _when("mailman.services.mailbox_state", _change_batch)
    searched = _when("mailman.domain.search", _search)

    def first(rng: random.Random, n: int) -> list[Any]:
        return [
            ThreadsCase(*rng.choice(fixtures.listed), None, rng.choice(PAGE_SIZES), None)
            for _ in range(n)
        ]

    def deep(rng: random.Random, n: int) -> list[Any]:
        listed = [rng.choice(fixtures.listed) for _ in range(n)]
        return [ThreadsCase(i, f, None, PAGE_SIZES[0], fixtures.deep[i, f]) for i, f in listed]

    def label(rng: random.Random, n: int) -> list[Any]:
        return [
            ThreadsCase(main, None, rng.choice(LABELS[:12]), rng.choice(PAGE_SIZES), None)
            for _ in range(n)
        ]

    def counts(rng: random.Random, n: int) -> list[Any]:
        return [rng.choice(mailbox.inboxes) for _ in range(n)]

    def batch(_rng: random.Random, n: int) -> list[Any]:
        batches = itertools.islice(itertools.cycle(fixtures.batches), n // 2)
        return [BatchCase(ids, read) for ids in batches for read in (False, True)]

    def searching(make: Callable[[random.Random], tuple[str, str]]) -> Cases:
        return lambda rng, n: [SearchCase(main, *make(rng)) for _ in range(n)]

    listing = _core_of("FROM thread_facets f")
    found = _core_of("FROM messages m", "mailman_search_band(")
    return [
        Operation("threads in a folder, first page", LIST_TARGET_MS, first,
                  threads, _reference_threads, listing),
        Operation("threads in a folder, deep keyset page", LIST_TARGET_MS, deep,
                  threads, _reference_threads, listing),
        Operation("threads with a label, first page", LIST_TARGET_MS, label,
                  threads, _reference_threads, listing),
        Operation("folder counts (total, unread)", LIST_TARGET_MS, counts,
                  counted, _reference_counts,
                  _core_of("mailbox_counts")),
        Operation(f"batch of {BATCH}: read, unread", BATCH_TARGET_MS, batch,
                  changed, _reference_batch,
                  _core_of("UPDATE messages"), group=2),
        Operation("search: a common word", LIST_TARGET_MS, searching(_common),
                  searched, _reference_search, found),
        Operation("search: a rare word", LIST_TARGET_MS, searching(_rare),
                  searched, _reference_search, found),
        Operation("search: a phrase", LIST_TARGET_MS, searching(_phrase),
                  searched, _reference_search, found),
        Operation("search: from: and a word", LIST_TARGET_MS, searching(_sender),
                  searched, _reference_search, found),
    ]  # fmt: skip


# --- the report ---------------------------------------------------------------------------

_TRIGGER_READ = (
    "SELECT m.thread_id, max(COALESCE(m.received_at, m.sent_at, m.created_at)) "
    "FROM messages m WHERE m.thread_id = ANY (%s) AND 'is:unread' = ANY (mailbox_facets("
    "m.folder, m.quarantined OR m.erase_requested_at IS NOT NULL, m.is_read, m.starred, "
    "m.labels, m.attachment_count, m.direction, m.from_address)) GROUP BY m.thread_id"
)
"""What the trigger (`mailbox_apply`, migration 0027) reads of the messages of the
threads a change touched: a facet's time again, where the message that dated it left it (as
marking the newest unread message read does)."""


PLAN_LINES = 16
"""How much of each plan `--explain` prints (its top), each line cut at 200 characters."""


def _ms(values: Sequence[float], q: float) -> str:
    return f"{quantile(values, q):.1f}" if values else "-"


def _row(result: Result) -> str:
    operation = result.operation
    measured = result.measured or result.floor
    verdict = "yes" if quantile(measured, 0.95) <= operation.target_ms else "**no**"
    name = operation.name if result.measured else f"{operation.name} (floor only)"
    return (
        f"| {name} | {len(measured)} | {_ms(result.measured, 0.5)} | "
        f"{_ms(result.measured, 0.95)} | {_ms(result.measured, 0.99)} | "
        f"{_ms(result.floor, 0.5)} | {_ms(result.floor, 0.95)} | "
        f"{_ms(result.owner, 0.5)} | {_ms(result.owner, 0.95)} | "
        f"{operation.target_ms:.0f} | {verdict} |"
    )


def sequential_scans(plans: Sequence[tuple[str, list[str]]]) -> list[str]:
    return [query for query, lines in plans if any("Seq Scan on messages" in x for x in lines)]


def report(results: Sequence[Result], trigger_plan: list[str], show_plans: bool) -> None:
    print(
        "| operation | runs | p50 ms | p95 ms | p99 ms | floor p50 | floor p95 | no RLS p50 "
        "| no RLS p95 | target p95 | meets |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for result in results:
        print(_row(result))
    print()
    scanned = False
    for result in results:
        for query in sequential_scans(result.plans):
            scanned = True
            print(f"SEQUENTIAL SCAN of messages in {result.operation.name}: {query[:160]}")
    if any("Seq Scan on messages" in line for line in trigger_plan):
        scanned = True
        print("SEQUENTIAL SCAN of messages in the trigger's read of a batch's threads")
    if not scanned:
        print("No plan scans messages sequentially (the trigger's read of a batch included).")
    if show_plans:
        for result in results:
            for query, lines in result.plans:
                print(f"\n{result.operation.name}: {' '.join(query.split())[:200]}")
                print("\n".join(f"    {line[:200]}" for line in lines[:PLAN_LINES]))
        print("\nThe trigger's read of a batch's threads (mailbox_apply's facet times):")
        print("\n".join(f"    {line[:200]}" for line in trigger_plan[:PLAN_LINES]))


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--messages", type=int, default=1_000_000)
    options.add_argument("--runs", type=int, default=60, help="timed runs of each operation")
    options.add_argument("--seed", type=int, default=1)
    options.add_argument("--data-dir", type=Path, default=Path(".local/bench-mailbox"))
    options.add_argument("--reseed", action="store_true", help="seed the database anew")
    options.add_argument("--explain", action="store_true", help="print each statement's plan")
    options.add_argument(
        "--only", nargs="+", help="run only the operations whose name holds one of these"
    )
    options.add_argument(
        "--budget", type=float, default=300, help="seconds an operation's timed runs may take"
    )
    args = options.parse_args()

    conninfo = seeded_database(args.data_dir, args.messages, args.seed, reseed=args.reseed)
    migrate(conninfo)
    with psycopg.connect(conninfo, autocommit=True, prepare_threshold=None) as floor:
        mailbox = load_mailbox(floor)
        batches = (args.runs + 2 * WARM_RUNS) // 2 + 1
        found = fixtures(floor, mailbox, batches)
        threads = [
            r[0]
            for r in floor.execute(
                "SELECT DISTINCT thread_id FROM messages WHERE id = ANY (%s)", [found.batches[0]]
            )
        ]
        trigger_plan = explain(floor, _tenant(mailbox.organization_id), _TRIGGER_READ, [threads])
        sizes = floor.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database())), "
            "(SELECT count(*) FROM threads), current_setting('server_version'), "
            "current_setting('shared_buffers')"
        ).fetchone()
        assert sizes is not None
        print(
            f"Machine: nproc {os.cpu_count()}, {cpu_model()}, Python {platform.python_version()}, "
            f"PostgreSQL {sizes[2]} (shared_buffers {sizes[3]}). Database {sizes[0]}, "
            f"{args.messages:,} messages in {sizes[1]:,} threads.\n"
        )
        database = Database(conninfo)
        context = Context(PostgresUnitOfWorkFactory(database), mailbox, SystemClock())
        results = []
        for index, operation in enumerate(operations(found)):
            if args.only and not any(o in operation.name for o in args.only):
                continue
            print(f"  {operation.name} ...", flush=True)
            results.append(
                measure(operation, context, floor, args.runs, args.seed + index, args.budget)
            )
        database.close()
    print()
    report(results, trigger_plan, args.explain)


if __name__ == "__main__":
    main()
