"""Address lists as headers write them: `Mailbox`, and a lenient parser of address-list text.

It reads inbound headers (after their bytes became text) and the addresses callers of the
API give, so it answers something for any input and never raises. It is linear: one regex
tokenisation, one pass over the tokens, at most `_MAX_MAILBOXES` mailboxes; unlike
`email.utils.getaddresses`, which recurses once per nested comment parenthesis.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

_ADDRESS_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|\((?:[^()\\]|\\.)*\)?|[<>,:;]|[^"(<>,:;]+')
_QUOTED_PAIR = re.compile(r"\\(.)")
_SPACES = re.compile(r"\s+")
_MAX_MAILBOXES = 2_000


class Mailbox(NamedTuple):
    """One address of an address header: display name (None when absent) and addr-spec."""

    name: str | None
    address: str


def _display(tokens: list[str]) -> str | None:
    """A display name from its words (or comments): quotes undone, whitespace collapsed."""
    parts = [
        _QUOTED_PAIR.sub(r"\1", tok[1:-1] if tok.endswith('"') and len(tok) > 1 else tok[1:])
        if tok.startswith('"')
        else tok
        for tok in tokens
    ]
    return _SPACES.sub(" ", "".join(parts)).strip() or None


class _Entry:
    """One entry of an address list as it is read: its words, comments and <address>."""

    __slots__ = ("address", "angle", "comments", "words")

    def __init__(self) -> None:
        self.words: list[str] = []
        self.comments: list[str] = []
        self.angle: list[str] | None = None  # the tokens after "<", once one was seen
        self.address: str | None = None  # the tokens between "<" and ">", once closed

    def ends_at(self, piece: str) -> bool:
        """Whether `piece` ends the entry: a ',' or ';' outside angle brackets."""
        return piece in (",", ";") and (self.angle is None or self.address is not None)

    def take(self, piece: str) -> None:
        """Read one token that does not end the entry."""
        if self.angle is not None and self.address is None:
            if piece == ">":
                self.address = "".join(self.angle)
            elif not piece.startswith("("):
                self.angle.append(piece)
        elif piece == "<":
            self.angle = []
        elif piece == ":" and self.address is None and "@" not in "".join(self.words):
            self.words.clear()  # a group name
        elif piece.startswith("("):
            self.comments.append(piece[1:-1] if piece.endswith(")") else piece[1:])
        elif piece != ">" and self.address is None:
            self.words.append(piece)

    def mailbox(self) -> Mailbox | None:
        """The entry's mailbox; None for an entry without an address."""
        address = self.address
        if address is None and self.angle is not None:
            address = "".join(self.angle)  # an unterminated "<a@x"
        if address is not None:
            spec = _SPACES.sub("", address.rpartition(":")[2])  # drop an obsolete route
            return Mailbox(_display(self.words), spec) if spec else None
        spec = _SPACES.sub("", "".join(self.words))
        if "@" in spec and '"' not in spec:
            return Mailbox(_display(self.comments), spec)
        return None


def _entries(value: str) -> Iterator[_Entry]:
    entry = _Entry()
    for piece in _ADDRESS_TOKEN.findall(value):
        if entry.ends_at(piece):
            yield entry
            entry = _Entry()
        else:
            entry.take(piece)
    yield entry


def parse_address_list(value: str) -> list[Mailbox]:
    """Mailboxes of an address-list header, leniently: groups flattened, comments as names.

    "A <a@x>", "a@x (A)", '"B, C" <b@x>', "team: a@x, b@x;", an unterminated "<a@x".
    Entries without an address ("undisclosed-recipients:;") yield nothing. Display names
    are taken as written: RFC 2047 encoded-words in them are MIME's to decode.
    """
    boxes: list[Mailbox] = []
    for entry in _entries(value):
        box = entry.mailbox()
        if box is not None:
            boxes.append(box)
            if len(boxes) >= _MAX_MAILBOXES:
                break
    return boxes
