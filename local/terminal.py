"""What `make dev` prints while it runs, and what it writes aside.

The console gets one line per API request, one per mail received or sent, and the functions'
own logs (Powertools' JSON lines, WARNING and above). The functions' metrics (Powertools' EMF
blocks) go to `logs/metrics.jsonl` in the data folder instead: in AWS, CloudWatch Logs takes
the EMF lines out of a function's output and makes metrics of them; here the process's
standard output does the same (`FunctionOutput`), writing them to that file.

The lines, one each (README, "What `make dev` prints"):

    12:01:02 API  POST /inboxes/{id}/messages 202 41 ms trace={trace id}
    12:01:02 API  GET /inboxes 200 9 ms trace={trace id} (client gone)
    12:01:02 API  POST /inboxes - 1 ms trace=- (client gone)
    12:01:03 MAIL out alice@mailman.test → bob@mailman.test msg={id} ses={ses id} delivered=1
    12:01:03 MAIL in  *@elsewhere.example → hello@mailman.test msg={id} scan=pass spam=PASS ...

Addresses follow the logging rule (never whole addresses of other people): an inbox of the
platform's own domains, and the SES mailbox simulator's test addresses, are shown whole; any
other address only by its domain (`*@example.com`). Neither subjects nor bodies are shown.
"""

from __future__ import annotations

import io
import json
import sys
import threading
import time
import warnings
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import psycopg

SIMULATOR = "simulator.amazonses.com"
SHOWN_RECIPIENTS = 3
"""How many recipients a mail line names; the rest are counted (`+2 more`)."""


def say(kind: str, text: str) -> None:
    """One line on the console: the time, what it is about (`API`, `MAIL`), the rest."""
    print(f"{time.strftime('%H:%M:%S')} {kind:<4} {text}", flush=True)


def metrics_file(local_dir: Path) -> Path:
    """Where the functions' metrics (EMF, one JSON object a line) of this run are written."""
    return local_dir / "logs" / "metrics.jsonl"


def is_emf(line: str) -> bool:
    """Whether a line of output is an EMF block, which CloudWatch would make metrics of."""
    if not line.startswith("{") or '"_aws"' not in line:
        return False
    try:
        document = json.loads(line)
    except ValueError:
        return False
    return isinstance(document, dict) and isinstance(document.get("_aws"), dict)


def route_metrics(local_dir: Path) -> Path:
    """From now on, EMF lines printed by anything in this process go to this run's metrics
    file (`metrics_file`, emptied first), every other line to the console as before; answers
    the file's path. `main` calls it first, before the functions are imported: Powertools'
    logger writes to the standard output it finds when it is made."""
    path = metrics_file(local_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout = FunctionOutput(sys.stdout, path.open("w", encoding="utf-8"))
    # An invocation that counted nothing is ordinary here (a schedule's idle tick); Powertools
    # warns of it on standard error.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    return path


class FunctionOutput(io.TextIOBase):
    """The process's standard output as CloudWatch Logs reads a function's: an EMF line goes
    to `metrics`, every other line to `console`. Each thread's output is put together into
    whole lines before it goes anywhere, so that threads printing at once do not mix."""

    def __init__(self, console: TextIO, metrics: TextIO) -> None:
        super().__init__()
        self._console = console
        self._metrics = metrics
        self._lock = threading.Lock()
        self._pending = threading.local()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, rest = (getattr(self._pending, "text", "") + text).split("\n")
        self._pending.text = rest
        for line in lines:
            self._route(line, "\n")
        return len(text)

    def flush(self) -> None:
        rest = getattr(self._pending, "text", "")
        self._pending.text = ""
        if rest:
            self._route(rest, "")
        with self._lock:
            self._console.flush()

    def _route(self, line: str, end: str) -> None:
        target = self._metrics if is_emf(line) else self._console
        with self._lock:
            target.write(line + end)
            target.flush()


def shown(address: str, local_domains: Collection[str]) -> str:
    """An address as the console shows it: whole for an inbox of one of `local_domains`
    (lower case) or the mailbox simulator, else only its domain."""
    domain = address.rpartition("@")[2].lower()
    if domain in local_domains or domain == SIMULATOR:
        return address
    return f"*@{domain}"


def recipients(addresses: Sequence[str], local_domains: Collection[str]) -> str:
    """Up to `SHOWN_RECIPIENTS` addresses (`shown`), comma-separated, and how many more."""
    named = ",".join(shown(a, local_domains) for a in addresses[:SHOWN_RECIPIENTS])
    more = len(addresses) - SHOWN_RECIPIENTS
    return f"{named} +{more} more" if more > 0 else named or "-"


def request_line(
    method: str,
    path: str,
    status: int | None,
    millis: float,
    trace_id: str | None,
    *,
    gone: bool = False,
) -> str:
    """An API request: its status and trace id `-` when it was not answered (its client left
    before sending it whole), `(client gone)` when its client left before the answer was
    whole."""
    answered = "-" if status is None else str(status)
    line = f"{method} {path} {answered} {millis:.0f} ms trace={trace_id or '-'}"
    return f"{line} (client gone)" if gone else line


def outcomes_line(events: Iterable[dict[str, Any]]) -> str:
    """What SES reported of a sent mail's recipients, counted by outcome:
    `delivered=1 bounced=1` (a complaint or an automatic reply comes after a delivery)."""
    counted: dict[str, int] = {}
    for event in events:
        kind = event["eventType"]
        if kind == "Delivery":
            outcome, many = "delivered", len(event["delivery"]["recipients"])
        elif kind == "Bounce":
            bounce = event["bounce"]
            outcome = "bounced" if bounce["bounceType"] == "Permanent" else "auto_replied"
            many = len(bounce["bouncedRecipients"])
        elif kind == "Complaint":
            outcome, many = "complained", len(event["complaint"]["complainedRecipients"])
        else:
            continue
        counted[outcome] = counted.get(outcome, 0) + many
    return " ".join(f"{outcome}={n}" for outcome, n in counted.items()) or "sent"


@dataclass(frozen=True)
class Arrival:
    """A received mail the inbound function was handed: its SES id, sender and recipients."""

    ses_message_id: str
    source: str
    destinations: tuple[str, ...]

    @classmethod
    def of(cls, record: dict[str, Any]) -> Arrival | None:
        """The mail an inbound SQS record announces (None for any other record)."""
        try:
            notification = json.loads(json.loads(record["body"])["Message"])
            if notification["notificationType"] != "Received":
                return None
            mail = notification["mail"]
            return cls(str(mail["messageId"]), str(mail["source"]), tuple(mail["destination"]))
        except (KeyError, TypeError, ValueError):
            return None


_STORED = """
SELECT m.source_id, m.id, i.local_part || '@' || d.name, m.scan ->> 'verdict',
       m.verdicts ->> 'spam', m.verdicts ->> 'virus', m.quarantine_reason
FROM messages m
JOIN inboxes i ON i.id = m.inbox_id
JOIN domains d ON d.id = i.domain_id
WHERE m.source = 'ses' AND m.source_id = ANY(%s)
ORDER BY m.created_at, m.id
"""

Handler = Callable[[dict[str, Any], Any], Any]


class ReceivedMail:
    """Prints a line for each mail the inbound function received, as it stored it: read back
    from the database (one query a batch) once the function has returned."""

    def __init__(self, database_url: str, local_domains: Callable[[], Collection[str]]) -> None:
        self._database_url = database_url
        self._local_domains = local_domains
        self._conn: psycopg.Connection[Any] | None = None

    def observing(self, handler: Handler) -> Handler:
        """`handler`, printing what it received; the printing never fails an invocation."""

        def observed(event: dict[str, Any], context: Any) -> Any:
            result = handler(event, context)
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            records = [r for r in event.get("Records", []) if r.get("messageId") not in failed]
            arrivals = [a for a in map(Arrival.of, records) if a is not None]
            try:
                lines = self.lines(arrivals)
            except psycopg.Error as exc:
                lines = [f"in  (not read back: {exc.__class__.__name__})"]
            for line in lines:
                say("MAIL", line)
            return result

        return observed

    def lines(self, arrivals: Sequence[Arrival]) -> list[str]:
        if not arrivals:
            return []
        by_id = {a.ses_message_id: a for a in arrivals}
        rows = self._connection().execute(_STORED, (list(by_id),)).fetchall()
        local = {d.lower() for d in self._local_domains()}
        lines = []
        for source_id, message_id, inbox, scan, spam, virus, quarantined in rows:
            sender = shown(by_id[source_id].source, local)
            verdict = f"scan={scan or '-'} spam={spam or '-'} virus={virus or '-'}"
            if quarantined:
                verdict += f" quarantined={quarantined}"
            lines.append(f"in  {sender} → {inbox} msg={message_id} {verdict}")
        stored = {row[0] for row in rows}
        for arrival in arrivals:
            if arrival.ses_message_id not in stored:
                to = recipients(arrival.destinations, local)
                lines.append(
                    f"in  {shown(arrival.source, local)} → {to} ses={arrival.ses_message_id} "
                    "stored in no inbox"
                )
        return lines

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._database_url, autocommit=True)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
