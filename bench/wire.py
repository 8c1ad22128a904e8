"""What one connection says to PostgreSQL: its statements and its round trips, read from
libpq's own trace of the protocol messages (`PQtrace`).

A round trip is one turn of the client: the messages it sends before it next hears from
the server. Outside a pipeline every statement is one (and BEGIN and COMMIT one each); in
a pipeline, statements travel together until the client waits for an answer. A statement
is a simple `Query` or an extended-protocol `Execute`, BEGIN and COMMIT included.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg.pq import Trace

_MESSAGE = re.compile(r"^(?P<side>[FB])\t\d+\t(?P<kind>\w+)\t?(?P<rest>.*)$")
_SQL = {
    "Parse": re.compile(r'^\s*"[^"]*" "(?P<sql>.*)" \d+(?: \S+)*$', re.DOTALL),
    "Query": re.compile(r'^\s*"(?P<sql>.*)"$', re.DOTALL),
}
"""Where the statement's text stands in its message: after a prepared statement's name in
`Parse`, alone in `Query`."""


@dataclass
class Wire:
    """The turns of the client while traced: the statements each one carried."""

    turns: list[list[str]] = field(default_factory=list)

    @property
    def round_trips(self) -> int:
        return len(self.turns)

    @property
    def statements(self) -> int:
        return sum(len(turn) for turn in self.turns)

    def read(self, trace: str) -> None:
        sending = False
        parsed = ""
        for line in trace.splitlines():
            message = _MESSAGE.match(line)
            if message is None:
                continue
            if message["side"] == "B":
                sending = False
                continue
            if not sending:
                self.turns.append([])
                sending = True
            kind = message["kind"]
            if kind in _SQL:
                found = _SQL[kind].match(message["rest"])
                parsed = found["sql"] if found else message["rest"]
            if kind in ("Execute", "Query"):
                self.turns[-1].append(parsed)

    def table(self) -> str:
        """Each round trip with the statements it carried, one line each."""
        lines = []
        for number, turn in enumerate(self.turns, 1):
            for index, statement in enumerate(turn or ["(sync)"]):
                label = str(number) if index == 0 else ""
                lines.append(f"{label:>3}  {' '.join(statement.split())[:110]}")
        return "\n".join(lines)


@contextmanager
def traced(conn: psycopg.Connection[object]) -> Iterator[Wire]:
    """Trace what `conn` sends and hears while the block runs; the answer is filled in when
    it ends."""
    wire = Wire()
    with tempfile.TemporaryFile("w+") as trace:
        conn.pgconn.trace(trace.fileno())
        conn.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)
        try:
            yield wire
        finally:
            conn.pgconn.untrace()
        trace.seek(0)
        wire.read(trace.read())
