"""`InMemorySearchIndex`: the query's tree evaluated in Python over the in-memory rows, in
the order and pages PostgreSQL's gives (`gather`, bands of the newest matches).

Words are read as PostgreSQL's `mailman_search` configuration reads them, near enough for
the services' tests: lower case, accents removed, split at anything not a letter or digit;
a phrase's words must follow one another in one part of the message. The rank adds, for each
term sought, the weight of each part it is found in (subject 1, sender 0.4, recipients 0.2,
text 0.1: `ts_rank`'s defaults)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from mailman.adapters.memory.tables import MessageRow, ScopedRepository
from mailman.domain.folders import HIDDEN_FOLDERS, SystemFolder
from mailman.domain.search import (
    ANYWHERE,
    BAND,
    AllOf,
    AnyOf,
    Band,
    BandRow,
    Dated,
    Edge,
    Flag,
    Highlighted,
    InFolder,
    Is,
    Label,
    Node,
    Not,
    Position,
    SearchHit,
    SearchPage,
    SearchRequest,
    Text,
    TextField,
    gather,
)

_WEIGHTS = {TextField.SUBJECT: 1.0, TextField.FROM: 0.4, TextField.TO: 0.2, TextField.ANY: 0.1}
SNIPPET_LENGTH = 200


def words(text: str) -> list[str]:
    """`text`'s words as the search compares them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return re.findall(r"\w+", plain)


def _address_words(address: str) -> str:
    """What migration 0020's `mailman_address_words` makes of an address."""
    local, _, domain = address.partition("@")
    return f"{address} {domain} {local}"


@dataclass(frozen=True)
class _Document:
    """A message's words by the part they are in (each part a weight of the vector)."""

    parts: dict[TextField, list[str]]

    @classmethod
    def of(cls, row: MessageRow) -> _Document:
        m = row.message
        recipients = " ".join(
            f"{r.name or ''} {_address_words(r.address)}"
            for r in m.recipients
            if r.kind in ("to", "cc")
        )
        files = " ".join(a.filename or "" for a in m.attachments)
        return cls(
            {
                TextField.SUBJECT: words(m.subject or ""),
                TextField.FROM: words(f"{m.from_name or ''} {_address_words(m.from_address)}"),
                TextField.TO: words(recipients),
                TextField.ANY: words(f"{m.text_body or m.extracted_text or ''} {files}"),
            }
        )

    def found_in(self, term: Text) -> list[TextField]:
        """The parts `term` is found in (only its own part for `from:`, `to:`, `subject:`)."""
        sought = words(term.value)
        parts = list(self.parts) if term.where is TextField.ANY else [term.where]
        return [p for p in parts if sought and _contains(self.parts[p], sought)]


def _contains(haystack: list[str], needle: list[str]) -> bool:
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


@dataclass(frozen=True)
class _Evaluation:
    row: MessageRow
    document: _Document

    def matches(self, node: Node) -> bool:
        if isinstance(node, Text):
            return bool(self.document.found_in(node))
        if isinstance(node, Not):
            return not self.matches(node.operand)
        if isinstance(node, AllOf):
            return all(self.matches(n) for n in node.operands)
        if isinstance(node, AnyOf):
            return any(self.matches(n) for n in node.operands)
        return self._filter(node)

    def _filter(self, node: Node) -> bool:
        row, m = self.row, self.row.message
        if isinstance(node, Is):
            return {
                Flag.HAS_ATTACHMENT: m.attachment_count > 0,
                Flag.UNREAD: not row.is_read,
                Flag.READ: row.is_read,
                Flag.STARRED: row.starred,
            }[node.flag]
        if isinstance(node, InFolder):
            if node.folder == ANYWHERE:
                return True
            if node.folder == SystemFolder.STARRED:
                return row.starred and m.folder not in HIDDEN_FOLDERS
            return m.folder == node.folder
        if isinstance(node, Label):
            return node.name in m.labels
        assert isinstance(node, Dated), node
        return (row.created_at < node.at) if node.before else (row.created_at >= node.at)

    def rank(self, terms: Sequence[Text]) -> float:
        return sum(_WEIGHTS[p] for t in terms for p in self.document.found_in(t))


class InMemorySearchIndex(ScopedRepository):
    def search(self, request: SearchRequest) -> SearchPage:
        matches = {e.row.id: e for e in self._matches(request)}
        rows, cursor = gather(
            request,
            lambda edge, position, limit: _band(request, matches, edge, position, limit),
        )
        hits = tuple(_hit(matches[r.id], r.rank, request) for r in rows)
        return SearchPage(hits=hits, next=cursor)

    def _matches(self, request: SearchRequest) -> list[_Evaluation]:
        hidden = request.query.searches_hidden
        found = []
        for row in self._tables.messages.values():
            m = row.message
            if not (self._scope.sees(row.organization_id) and self._scope.reaches(m.inbox_id)):
                continue
            if request.inbox_id is not None and m.inbox_id != request.inbox_id:
                continue
            if m.quarantine_reason is not None or not _visible(row, hidden):
                continue
            evaluation = _Evaluation(row, _Document.of(row))
            if evaluation.matches(request.query.root):
                found.append(evaluation)
        return found


def _visible(row: MessageRow, hidden: bool) -> bool:
    """Outside trash and spam (and not deleted), unless the query names them; never being
    erased."""
    if hidden:
        in_trash = row.message.folder == SystemFolder.TRASH and row.erase_requested_at is None
        return row.deleted_at is None or in_trash
    return row.deleted_at is None and row.message.folder not in HIDDEN_FOLDERS


def _band(
    request: SearchRequest,
    matches: dict[UUID, _Evaluation],
    edge: Edge | None,
    position: Position | None,
    limit: int,
) -> Band:
    newest = sorted(
        (e for e in matches.values() if edge is None or (e.row.created_at, e.row.id) < edge),
        key=lambda e: (e.row.created_at, e.row.id),
        reverse=True,
    )[:BAND]
    terms = request.query.wanted_text
    ranked = sorted(
        (BandRow(e.row.id, e.row.created_at, e.rank(terms)) for e in newest),
        key=lambda r: (r.rank, r.created_at, r.id),
        reverse=True,
    )
    if position is not None:
        ranked = [r for r in ranked if (r.rank, r.created_at, r.id) < position]
    oldest = (newest[-1].row.created_at, newest[-1].row.id) if newest else None
    return Band(rows=ranked[:limit], size=len(newest), oldest=oldest)


def _hit(evaluation: _Evaluation, rank: float, request: SearchRequest) -> SearchHit:
    row, m = evaluation.row, evaluation.row.message
    return SearchHit(
        id=row.id,
        inbox_id=m.inbox_id,
        thread_id=m.thread_id,
        subject=m.subject,
        from_address=m.from_address,
        from_name=m.from_name,
        folder=str(m.folder),
        is_read=row.is_read,
        starred=row.starred,
        labels=m.labels,
        attachment_count=m.attachment_count,
        created_at=row.created_at,
        rank=rank,
        snippet=_snippet(m.text_body or m.extracted_text or "", request.query.wanted_text),
    )


def _snippet(text: str, terms: Sequence[Text]) -> Highlighted:
    """The text's start, each word of a term sought in it marked."""
    head = text[:SNIPPET_LENGTH]
    sought = {w for t in terms for w in words(t.value)}
    spans = tuple(
        (found.start(), found.end())
        for found in re.finditer(r"\w+", head)
        if words(found.group()) and words(found.group())[0] in sought
    )
    return Highlighted(head, spans)
