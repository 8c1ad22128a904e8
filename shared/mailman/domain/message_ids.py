"""Message-ID rules: lenient parsing of Message-ID, In-Reply-To and References values.

Real headers are damaged in predictable ways, and threading must survive them:

* folded ids: a header folded inside `<...>` leaves whitespace in the id
  (`<abc@mail.example .com>`); whitespace inside the brackets is removed;
* trailing prose: `<id> (Peter's message of "Mon, 12 Jan 2004 ...")` or
  `<id>; from ann@example.org on Mon, ...`; only bracketed tokens count, and
  `(comments)` and `"quoted strings"` are skipped, so an address quoted in a
  comment is not mistaken for an id;
* a bare id without brackets (`abc@example.org`) is accepted when it is the
  whole value.

Ids are compared exactly as written apart from that whitespace: RFC 5322 gives
no case-insensitive comparison, and mailers echo ids verbatim.

Mailing-list digests (Mailman's `<mailman.N.T.PID.list@host>`) bundle many
posts: every reader who answers a digest references the digest's id, so it is a
hub that would merge unrelated conversations. `is_digest_id` recognises them.
"""

from __future__ import annotations

import re

_DIGEST_RE = re.compile(r"<mailman\.\d+\.\d+\.\d+\.[^<>]*>", re.IGNORECASE)
_WHITESPACE_RE = re.compile(r"\s+")


_ID_TOKEN = re.compile(r'\((?:[^()\\]|\\.)*\)?|"(?:[^"\\]|\\.)*"?|<[^<>]*>?|[^("<]+|[("<]')
_BARE_ID = re.compile(r'[^\s<>()"]+')
_MAX_LENGTH = 995
"""The longest id kept: a header line's limit, less the brackets."""
_MAX_IDS = 500
"""The most ids kept of one References value (the newest): hostile headers stay cheap."""


def parse_ids(value: str | None) -> tuple[str, ...]:
    """Every message id of a Message-ID, In-Reply-To or References value, in order, without
    repeats, each in its canonical form `<local@domain>` (whitespace removed).

    Linear: one regex tokenisation, then one pass over the tokens. Ids longer than
    `_MAX_LENGTH` or with unprintable characters are dropped; of a longer list the newest
    `_MAX_IDS` are kept.
    """
    if not value:
        return ()
    ids: dict[str, None] = {}
    for token in _ID_TOKEN.findall(value):
        if not token.startswith("<") or not token.endswith(">"):
            continue
        inner = _WHITESPACE_RE.sub("", token[1:-1])
        if inner and len(inner) <= _MAX_LENGTH and inner.isprintable():
            ids.setdefault(f"<{inner}>", None)
    bare = value.strip()
    if not ids and "@" in bare and len(bare) <= _MAX_LENGTH and _BARE_ID.fullmatch(bare):
        ids[f"<{bare}>"] = None
    return tuple(ids)[-_MAX_IDS:]


def parse_message_id(value: str | None) -> str | None:
    """The canonical id of a Message-ID header value, or None when it carries none."""
    ids = parse_ids(value)
    return ids[0] if ids else None


def is_digest_id(message_id: str) -> bool:
    """Whether the id has the shape of a Mailman digest (`<mailman.N.T.PID.list@host>`)."""
    return _DIGEST_RE.fullmatch(message_id) is not None
