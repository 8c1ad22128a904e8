"""Search: the query language people know from Gmail, parsed into a tree the adapters
evaluate (PostgreSQL full-text search; the in-memory fake in Python), and the order results
come in.

Syntax (docs/search.md): words and "quoted phrases", all of which must match (implicit AND;
`AND` may be written); `OR` between two terms; `-` before a term, phrase, operator or
parenthesised group excludes it; parentheses group. Operators: `from:`, `to:` (also `cc:`),
`subject:` match their part of the message only; `has:attachment`; `is:unread`, `is:read`,
`is:starred`; `in:<folder>` (a system folder, `anywhere`, or a custom folder's id);
`label:<name>`; `after:`/`before:` a date (YYYY-MM-DD or YYYY/MM/DD, UTC; `after` includes
the day, `before` excludes it). Trash and spam are searched only when the query names them
(`in:trash`, `in:spam`, `in:anywhere`), as Gmail does.

Order: matches are taken in bands of `BAND` newest (by `created_at`, then id); within a band
by rank, best first, newest first on ties; band after band, newest band first. Ranking all
matches of a common word of a million messages cannot be fast; ranking the newest few hundred
can, and every match stays reachable page after page (`SearchCursor`)."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from uuid import UUID

from mailman.domain.errors import ValidationError
from mailman.domain.folders import HIDDEN_FOLDERS, SystemFolder

MAX_QUERY_LENGTH = 1000
MAX_TERMS = 50
"""Terms and operators one query holds at most: each costs the database work."""
MAX_DEPTH = 8
"""Parentheses nest at most this deep."""
BAND = 500
"""Matches ranked together: the newest `BAND` of them, then the next `BAND`, and so on."""
MAX_BANDS_PER_PAGE = 4
"""Bands one page reads at most (see `gather`)."""
ANYWHERE = "anywhere"
"""`in:anywhere`: every folder, trash and spam included."""


class QuerySyntaxError(ValidationError):
    """A query that cannot be read: the message says what and where; `details.position` is
    the 0-based character offset in `q`."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at position {position})", field="q")
        self.details = {"position": position}


class TextField(StrEnum):
    """What part of a message a text term is looked for in (its weight in the search
    vector): anywhere, or only the subject (A), the sender (B), the recipients (C)."""

    ANY = "any"
    SUBJECT = "subject"
    FROM = "from"
    TO = "to"


class Flag(StrEnum):
    HAS_ATTACHMENT = "has:attachment"
    UNREAD = "is:unread"
    READ = "is:read"
    STARRED = "is:starred"


@dataclass(frozen=True)
class Text:
    """A word, or a phrase (its words in this order, adjacent), in `where`."""

    value: str
    where: TextField = TextField.ANY
    phrase: bool = False


@dataclass(frozen=True)
class Is:
    flag: Flag


@dataclass(frozen=True)
class InFolder:
    """A system folder's name (`starred` is the virtual one), `anywhere`, or a custom
    folder's id as text."""

    folder: str


@dataclass(frozen=True)
class Label:
    name: str


@dataclass(frozen=True)
class Dated:
    """Stored on or after `day` (`after:`), or before it (`before:`), midnight UTC."""

    day: date
    before: bool

    @property
    def at(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class AllOf:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    operands: tuple[Node, ...]


Node = Text | Is | InFolder | Label | Dated | Not | AllOf | AnyOf


def walk(node: Node, negated: bool = False) -> Iterator[tuple[Node, bool]]:
    """Every node of the tree with whether an odd number of `-` stand over it."""
    yield node, negated
    if isinstance(node, Not):
        yield from walk(node.operand, not negated)
    elif isinstance(node, AllOf | AnyOf):
        for operand in node.operands:
            yield from walk(operand, negated)


@dataclass(frozen=True)
class Query:
    """A parsed query: its tree and what the adapters read of it."""

    root: Node
    text: str

    @property
    def searches_hidden(self) -> bool:
        """Whether trash and spam are searched: only where the query names them."""
        hidden = {str(f) for f in HIDDEN_FOLDERS} | {ANYWHERE}
        return any(
            isinstance(n, InFolder) and n.folder in hidden and not neg for n, neg in walk(self.root)
        )

    @property
    def wanted_text(self) -> tuple[Text, ...]:
        """The text terms a match is ranked and highlighted by: those not excluded."""
        found = (n for n, neg in walk(self.root) if isinstance(n, Text) and not neg)
        return tuple(dict.fromkeys(found))


Edge = tuple[datetime, UUID]
"""A band's bound: every row of the band after it is older (created_at, id)."""
Position = tuple[float, datetime, UUID]
"""A row's place in its band's order: (rank, created_at, id), greatest first."""


@dataclass(frozen=True)
class SearchCursor:
    """Where the next page starts: the band it is in (`band`: every row of the band is older
    than it; None for the newest band) and the last row given, by its place in the band's
    order (`position`; None: from the band's start)."""

    band: Edge | None
    position: Position | None

    def encode(self) -> str:
        band = [self.band[0].isoformat(), str(self.band[1])] if self.band else None
        position = (
            [self.position[0], self.position[1].isoformat(), str(self.position[2])]
            if self.position
            else None
        )
        raw = json.dumps([band, position]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> SearchCursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            band, position = json.loads(base64.urlsafe_b64decode(padded))
            if band is None and position is None:
                raise ValueError("a cursor names a place")
            return cls(
                band=(datetime.fromisoformat(band[0]), UUID(band[1])) if band else None,
                position=_position(*position) if position else None,
            )
        except (ValueError, TypeError, IndexError, binascii.Error) as exc:
            raise ValidationError(
                "page_token is not a token this API issued", field="page_token"
            ) from exc


def _position(rank: float, at: str, item: str) -> Position:
    if not isinstance(rank, int | float) or not math.isfinite(rank):
        raise ValueError("a rank is a number")
    return (float(rank), datetime.fromisoformat(at), UUID(item))


@dataclass(frozen=True)
class SearchRequest:
    """One page of a search: the organisation's mail (`inbox_id` None) or one inbox's."""

    query: Query
    organization_id: UUID
    inbox_id: UUID | None = None
    limit: int = 20
    after: SearchCursor | None = None


@dataclass(frozen=True)
class Highlighted:
    """A bit of a message's text around what matched: `highlights` are [start, end)
    character offsets into `text` of the words that matched."""

    text: str
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class SearchHit:
    id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    subject: str | None
    from_address: str
    from_name: str | None
    folder: str
    is_read: bool
    starred: bool
    labels: tuple[str, ...]
    attachment_count: int
    created_at: datetime
    rank: float
    snippet: Highlighted


@dataclass(frozen=True)
class SearchPage:
    hits: tuple[SearchHit, ...]
    next: SearchCursor | None = None

    @property
    def next_page_token(self) -> str | None:
        return self.next.encode() if self.next else None


@dataclass(frozen=True)
class BandRow:
    id: UUID
    created_at: datetime
    rank: float


@dataclass(frozen=True)
class Band:
    """What an adapter read of one band: its rows after the position asked (best first, at
    most as many as asked), how many rows the whole band holds, and its oldest row's edge."""

    rows: Sequence[BandRow]
    size: int
    oldest: Edge | None


def gather(
    request: SearchRequest, read: Callable[[Edge | None, Position | None, int], Band]
) -> tuple[list[BandRow], SearchCursor | None]:
    """A page's rows, read band after band (`read(edge, position, limit)`: the band of the
    `BAND` newest matches older than `edge`, None the newest, from after `position`), and
    the cursor after its last row when more follow. After `MAX_BANDS_PER_PAGE` bands the page
    ends, short or even empty, with a cursor at the next band's start: a page's cost stays
    bounded where a filter leaves few matches in each band."""
    after = request.after
    edge = after.band if after else None
    position = after.position if after else None
    wanted = request.limit + 1
    found: list[tuple[BandRow, Edge | None]] = []
    for _ in range(MAX_BANDS_PER_PAGE):
        band = read(edge, position, wanted - len(found))
        found.extend((row, edge) for row in band.rows)
        if len(found) >= wanted:
            last, last_edge = found[request.limit - 1]
            at = (last.rank, last.created_at, last.id)
            return [row for row, _ in found[: request.limit]], SearchCursor(last_edge, at)
        if band.size < BAND or band.oldest is None:
            return [row for row, _ in found], None
        edge, position = band.oldest, None
    return [row for row, _ in found], SearchCursor(edge, None)


HIGHLIGHT_START = "\ue000"
HIGHLIGHT_END = "\ue001"
"""What the adapters mark matched words with in a snippet (private-use characters, removed
from the text first), turned into offsets by `highlighted`."""


def highlighted(marked: str) -> Highlighted:
    """A snippet whose matched words are between `HIGHLIGHT_START` and `HIGHLIGHT_END`, as
    plain text with the offsets of those words."""
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    start = 0
    length = 0
    for part in re.split(f"([{HIGHLIGHT_START}{HIGHLIGHT_END}])", marked):
        if part == HIGHLIGHT_START:
            start = length
        elif part == HIGHLIGHT_END:
            spans.append((start, length))
        else:
            text.append(part)
            length += len(part)
    return Highlighted("".join(text), tuple(spans))


# The parser -----------------------------------------------------------------------------

_OPERATORS = frozenset(
    {"from", "to", "cc", "subject", "has", "is", "in", "label", "before", "after"}
)
_FIELDS: Mapping[str, TextField] = {
    "from": TextField.FROM,
    "to": TextField.TO,
    "cc": TextField.TO,
    "subject": TextField.SUBJECT,
}
_FLAGS: Mapping[str, Flag] = {
    "has:attachment": Flag.HAS_ATTACHMENT,
    "has:attachments": Flag.HAS_ATTACHMENT,
    "is:unread": Flag.UNREAD,
    "is:read": Flag.READ,
    "is:starred": Flag.STARRED,
    "label:unread": Flag.UNREAD,
    "label:starred": Flag.STARRED,
}
_OPERATOR = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_FOLDERS = frozenset(str(f) for f in SystemFolder) | {ANYWHERE}
_FOLDER_LABELS = frozenset(str(f) for f in SystemFolder) - {SystemFolder.STARRED.value}


@dataclass(frozen=True)
class _Token:
    kind: str
    """( ) - OR AND term"""
    position: int
    node: Node | None = None


def _searchable(value: str, position: int) -> str:
    if not any(c.isalnum() for c in value):
        raise QuerySyntaxError(f"{value!r} has no letter or digit to search for", position)
    return value


def _phrase_end(text: str, start: int) -> int:
    end = text.find('"', start + 1)
    if end < 0:
        raise QuerySyntaxError("a quote is not closed", start)
    return end


def _operator(name: str, value: str, quoted: bool, at: int, value_at: int) -> Node:
    """The node of `name:value`; `at` where the operator starts, `value_at` its value."""
    if not value:
        raise QuerySyntaxError(f"{name}: needs a value", at)
    if name in _FIELDS:
        return Text(_searchable(value, value_at), _FIELDS[name], phrase=quoted)
    flag = _FLAGS.get(f"{name}:{value.lower()}")
    if flag is not None:
        return Is(flag)
    if name == "label":
        # A folder's name is no label (`label_name`): it names the folder, as a listing's does.
        folder = value.lower()
        return InFolder(folder) if folder in _FOLDER_LABELS else Label(value)
    if name == "in":
        return InFolder(_folder(value, value_at))
    if name in ("before", "after"):
        return Dated(_date(value, value_at), before=name == "before")
    raise QuerySyntaxError(f"{name}:{value} is not something {name}: can ask", value_at)


def _folder(value: str, at: int) -> str:
    if value.lower() in _FOLDERS:
        return value.lower()
    try:
        return str(UUID(value))
    except ValueError:
        raise QuerySyntaxError(
            "in: takes a system folder (inbox, sent, drafts, starred, archive, spam, trash), "
            "anywhere, or a custom folder's id",
            at,
        ) from None


def _date(value: str, at: int) -> date:
    found = _DATE.fullmatch(value)
    try:
        if found is None:
            raise ValueError(value)
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        raise QuerySyntaxError("a date is written YYYY-MM-DD or YYYY/MM/DD", at) from None


@dataclass
class _Lexer:
    text: str
    at: int = 0
    tokens: list[_Token] = field(default_factory=list)

    def run(self) -> list[_Token]:
        while self.at < len(self.text):
            char = self.text[self.at]
            if char.isspace():
                self.at += 1
            elif char in "()":
                self.tokens.append(_Token(char, self.at))
                self.at += 1
            elif char == '"':
                self._phrase()
            elif char == "-" and self._next_is_term():
                self.tokens.append(_Token("-", self.at))
                self.at += 1
            else:
                self._bare()
        return self.tokens

    def _next_is_term(self) -> bool:
        following = self.text[self.at + 1 : self.at + 2]
        return bool(following) and not following.isspace() and following != ")"

    def _phrase(self) -> None:
        start = self.at
        end = _phrase_end(self.text, start)
        value = _searchable(self.text[start + 1 : end], start)
        self.tokens.append(_Token("term", start, Text(value, phrase=True)))
        self.at = end + 1

    def _bare(self) -> None:
        start = self.at
        while self.at < len(self.text) and not (
            self.text[self.at].isspace() or self.text[self.at] in '()"'
        ):
            self.at += 1
        word = self.text[start : self.at]
        if word in ("OR", "AND"):
            self.tokens.append(_Token(word, start))
            return
        found = _OPERATOR.fullmatch(word)
        if found is None or found[2].startswith("//"):
            self.tokens.append(_Token("term", start, Text(_searchable(word, start))))
            return
        name = found[1].lower()
        if name not in _OPERATORS:
            raise QuerySyntaxError(f"unknown operator {found[1]}:", start)
        value, quoted, value_at = found[2], False, start + len(found[1]) + 1
        if not value and self.text[self.at : self.at + 1] == '"':
            end = _phrase_end(self.text, self.at)
            value, quoted = self.text[self.at + 1 : end], True
            self.at = end + 1
        node = _operator(name, value, quoted, start, value_at + quoted)
        self.tokens.append(_Token("term", start, node))


@dataclass
class _Parser:
    tokens: list[_Token]
    end: int
    at: int = 0
    terms: int = 0

    def _peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _where(self) -> int:
        found = self._peek()
        return found.position if found else self.end

    def query(self) -> Node:
        root = self._any(0)
        left = self._peek()
        if left is not None:
            raise QuerySyntaxError("a ')' has no '(' to close", left.position)
        return root

    def _any(self, depth: int) -> Node:
        operands = [self._all(depth)]
        while (token := self._peek()) is not None and token.kind == "OR":
            self.at += 1
            if self._peek() is None or self._peek_kind() in (")", "OR"):
                raise QuerySyntaxError("OR needs a term after it", token.position)
            operands.append(self._all(depth))
        return operands[0] if len(operands) == 1 else AnyOf(tuple(operands))

    def _peek_kind(self) -> str | None:
        found = self._peek()
        return found.kind if found else None

    def _all(self, depth: int) -> Node:
        operands: list[Node] = []
        while self._peek_kind() not in (None, ")", "OR"):
            if self._peek_kind() == "AND" and operands:
                self.at += 1
                continue
            operands.append(self._unary(depth))
        if not operands:
            kind = self._peek_kind()
            what = "nothing to search for" if kind is None else f"a term is missing before {kind}"
            raise QuerySyntaxError(what, self._where())
        return operands[0] if len(operands) == 1 else AllOf(tuple(operands))

    def _unary(self, depth: int) -> Node:
        token = self.tokens[self.at]
        self.at += 1
        if token.kind == "-":
            if self._peek_kind() not in ("term", "(", "-"):
                raise QuerySyntaxError("'-' needs a term after it", token.position)
            return Not(self._unary(depth))
        if token.kind == "(":
            return self._group(token, depth)
        if token.node is None:
            raise QuerySyntaxError(f"a term is missing before {token.kind}", token.position)
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QuerySyntaxError(f"a query holds at most {MAX_TERMS} terms", token.position)
        return token.node

    def _group(self, opening: _Token, depth: int) -> Node:
        if depth >= MAX_DEPTH:
            raise QuerySyntaxError(f"parentheses nest at most {MAX_DEPTH} deep", opening.position)
        if self._peek_kind() is None:
            raise QuerySyntaxError("a '(' is not closed", opening.position)
        inner = self._any(depth + 1)
        if self._peek_kind() != ")":
            raise QuerySyntaxError("a '(' is not closed", opening.position)
        self.at += 1
        return inner


def parse_query(text: str) -> Query:
    """The query `text` asks, or QuerySyntaxError (a ValidationError of field `q`) saying
    what is wrong and where."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(
            f"a query is at most {MAX_QUERY_LENGTH} characters", MAX_QUERY_LENGTH
        )
    for at, char in enumerate(text):
        if unicodedata.category(char) == "Cc" and not char.isspace():
            raise QuerySyntaxError("a query holds no control characters", at)
    tokens = _Lexer(text).run()
    if not tokens:
        raise QuerySyntaxError("nothing to search for", 0)
    return Query(_Parser(tokens, len(text)).query(), text)
