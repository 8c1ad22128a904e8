"""`PostgresSearchIndex`: a query's tree as SQL over `messages.search` (migration 0020's
generated tsvector, GIN index `messages_search`), ranked within bands of the newest matches.

No text of the query is ever part of the SQL: every value is a bound parameter. Text terms
become one tsquery's text that this module writes with every lexeme quoted (`'...'`, a
quote doubled, a backslash escaped) and a weight label where the term is restricted
(`subject:` A, `from:` B, `to:`/`cc:` C); `to_tsquery` reads it with the search's own
configuration, so the words are normalised (lower case, accents removed) exactly as the
messages were, and a phrase's words (or a word the parser splits, as `foo-bar`) must
follow one another (`<->`).

A band is `ORDER BY created_at DESC, id DESC LIMIT BAND` over the matches: for a common word
the planner walks a btree in that order and stops after `BAND` rows; for a rare one it reads
the GIN index's bitmap and sorts the few rows. Only that band is ranked (`ts_rank`), and
only the page's rows get a snippet (`ts_headline` over the first `SNIPPET_SOURCE` characters
of the text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import LiteralString

from psycopg.rows import DictRow

from mailman.adapters.postgres.database import Connection
from mailman.domain.folders import SystemFolder
from mailman.domain.search import (
    ANYWHERE,
    BAND,
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    AllOf,
    AnyOf,
    Band,
    BandRow,
    Dated,
    Edge,
    Flag,
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
    highlighted,
)

CONFIG: LiteralString = "'public.mailman_search'::regconfig"
SNIPPET_SOURCE = 20_000
"""Characters of a message's text `ts_headline` reads for its snippet: it parses all it is
given, so a long message would cost far more than the page's other work."""
HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, MaxFragments=2, MaxWords=18, "
    'MinWords=6, FragmentDelimiter=" … "'
)
_WEIGHTS = {TextField.SUBJECT: ":A", TextField.FROM: ":B", TextField.TO: ":C", TextField.ANY: ""}
_FLAGS: dict[Flag, LiteralString] = {
    Flag.HAS_ATTACHMENT: "m.attachment_count > 0",
    Flag.UNREAD: "NOT m.is_read",
    Flag.READ: "m.is_read",
    Flag.STARRED: "m.starred",
}


def lexeme(term: Text) -> str:
    """The term as tsquery text: quoted, so that no character of it is an operator, with
    its weight label."""
    quoted = term.value.replace("\\", "\\\\").replace("'", "''")
    return f"'{quoted}'{_WEIGHTS[term.where]}"


def tsquery(node: Node) -> str | None:
    """The tsquery text of a tree of text terms only; None where anything else is in it."""
    if isinstance(node, Text):
        return lexeme(node)
    if isinstance(node, Not):
        inner = tsquery(node.operand)
        return None if inner is None else f"!({inner})"
    if isinstance(node, AllOf | AnyOf):
        parts = [tsquery(n) for n in node.operands]
        if any(p is None for p in parts):
            return None
        joint = " & " if isinstance(node, AllOf) else " | "
        return "(" + joint.join(p for p in parts if p is not None) + ")"
    return None


@dataclass
class Condition:
    """A WHERE condition being written: its SQL (every piece a literal of this module) and
    its parameters, in order."""

    params: list[object] = field(default_factory=list)

    def of(self, node: Node) -> LiteralString:
        text = tsquery(node)
        if text is not None:
            self.params.append(text)
            return f"m.search @@ to_tsquery({CONFIG}, %s)"
        if isinstance(node, Not):
            return f"NOT ({self.of(node.operand)})"
        if isinstance(node, AllOf):
            return self._all(node)
        if isinstance(node, AnyOf):
            return "(" + " OR ".join(self.of(n) for n in node.operands) + ")"
        return self._filter(node)

    def _all(self, node: AllOf) -> LiteralString:
        """Text operands in one tsquery (one index lookup), the rest beside it."""
        texts = [n for n in node.operands if tsquery(n) is not None]
        rest = [n for n in node.operands if tsquery(n) is None]
        parts: list[LiteralString] = []
        if texts:
            parts.append(self.of(AllOf(tuple(texts)) if len(texts) > 1 else texts[0]))
        parts.extend(self.of(n) for n in rest)
        return "(" + " AND ".join(parts) + ")"

    def _filter(self, node: Node) -> LiteralString:
        if isinstance(node, Is):
            return _FLAGS[node.flag]
        if isinstance(node, InFolder):
            return self._folder(node.folder)
        if isinstance(node, Label):
            self.params.append(node.name)
            return "m.labels @> ARRAY[%s]::text[]"
        assert isinstance(node, Dated), node
        self.params.append(node.at)
        return "m.created_at < %s" if node.before else "m.created_at >= %s"

    def _folder(self, folder: str) -> LiteralString:
        if folder == ANYWHERE:
            return "true"
        if folder == SystemFolder.STARRED:
            return "(m.starred AND m.folder NOT IN ('trash', 'spam'))"
        self.params.append(folder)
        return "m.folder = %s"


def _scope(request: SearchRequest, params: list[object]) -> LiteralString:
    """Which messages a search reads: the inbox's or the organisation's, not quarantined,
    and outside trash and spam unless the query names them. Written out so that the partial
    index `messages_inbox_listing` (`deleted_at IS NULL`) serves the usual search."""
    if request.inbox_id is not None:
        params.append(request.inbox_id)
        where: LiteralString = "m.inbox_id = %s"
    else:
        params.append(request.organization_id)
        where = "m.organization_id = %s"
    if request.query.searches_hidden:
        return f"{where} AND NOT m.quarantined AND (m.deleted_at IS NULL OR m.folder = 'trash')"
    return (
        f"{where} AND NOT m.quarantined AND m.deleted_at IS NULL "
        "AND m.folder <> 'trash' AND m.folder <> 'spam'"
    )


def _ranked_terms(request: SearchRequest) -> str | None:
    """The tsquery a match is ranked and highlighted by: any term it was looked for by."""
    wanted = request.query.wanted_text
    return " | ".join(lexeme(t) for t in wanted) if wanted else None


class PostgresSearchIndex:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def search(self, request: SearchRequest) -> SearchPage:
        rows, cursor = gather(
            request, lambda edge, position, limit: self._band(request, edge, position, limit)
        )
        return SearchPage(hits=self._hits(request, rows), next=cursor)

    def _band(
        self,
        request: SearchRequest,
        band: Edge | None,
        position: Position | None,
        limit: int,
    ) -> Band:
        """The rows of the band older than `band` (the newest band when None), in rank
        order, after `position` within it."""
        params: list[object] = []
        scope = _scope(request, params)
        condition = Condition(params)
        matches = condition.of(request.query.root)
        older: LiteralString = " AND (m.created_at, m.id) < (%s, %s)" if band else ""
        params.extend(band or ())
        params.append(BAND)
        params.append(_ranked_terms(request))
        later: LiteralString = (
            " WHERE (r.rank, r.created_at, r.id) < (%s, %s, %s)" if position else ""
        )
        params.extend(position or ())
        params.append(limit)
        rows = self._conn.execute(
            "WITH band AS MATERIALIZED ("
            f"  SELECT m.id, m.created_at, m.search FROM messages m WHERE {scope} AND {matches}"
            f"{older} ORDER BY m.created_at DESC, m.id DESC LIMIT %s), "
            "edge AS (SELECT count(*) AS size, "
            "  (array_agg(created_at ORDER BY created_at, id))[1] AS at, "
            "  (array_agg(id ORDER BY created_at, id))[1] AS id FROM band), "
            "ranked AS (SELECT b.id, b.created_at, "
            f"  coalesce(ts_rank(b.search, to_tsquery({CONFIG}, %s::text)), 0)::float8 AS rank "
            "  FROM band b), "
            f"page AS (SELECT * FROM ranked r{later} "
            "  ORDER BY r.rank DESC, r.created_at DESC, r.id DESC LIMIT %s) "
            "SELECT e.size, e.at AS edge_at, e.id AS edge_id, p.id, p.created_at, p.rank "
            "FROM edge e LEFT JOIN page p ON true "
            "ORDER BY p.rank DESC, p.created_at DESC, p.id DESC",
            params,
        ).fetchall()
        head = rows[0]
        return Band(
            rows=[BandRow(r["id"], r["created_at"], r["rank"]) for r in rows if r["id"]],
            size=head["size"],
            oldest=(head["edge_at"], head["edge_id"]) if head["edge_id"] else None,
        )

    def _hits(self, request: SearchRequest, page: Sequence[BandRow]) -> tuple[SearchHit, ...]:
        """The page's messages with their snippets, in the page's order."""
        if not page:
            return ()
        terms = _ranked_terms(request)
        rows = self._conn.execute(
            "SELECT m.id, m.inbox_id, m.thread_id, m.subject, m.from_address, m.from_name, "
            "m.folder, m.is_read, m.starred, m.labels, m.attachment_count, m.created_at, "
            "CASE WHEN %(terms)s::text IS NULL THEN coalesce(m.preview, '') ELSE ts_headline("
            f"  {CONFIG}, translate(left(coalesce(m.text_body, m.extracted_text, ''), %(source)s), "
            "  %(markers)s, ''), to_tsquery("
            f"{CONFIG}, %(terms)s), %(options)s) END AS snippet "
            "FROM messages m WHERE m.id = ANY(%(ids)s)",
            {
                "terms": terms,
                "source": SNIPPET_SOURCE,
                "markers": HIGHLIGHT_START + HIGHLIGHT_END,
                "options": HEADLINE_OPTIONS,
                "ids": [row.id for row in page],
            },
        ).fetchall()
        by_id = {r["id"]: r for r in rows}
        return tuple(_hit(by_id[row.id], row.rank) for row in page if row.id in by_id)


def _hit(row: DictRow, rank: float) -> SearchHit:
    return SearchHit(
        id=row["id"],
        inbox_id=row["inbox_id"],
        thread_id=row["thread_id"],
        subject=row["subject"],
        from_address=row["from_address"],
        from_name=row["from_name"],
        folder=row["folder"],
        is_read=row["is_read"],
        starred=row["starred"],
        labels=tuple(row["labels"] or ()),
        attachment_count=row["attachment_count"],
        created_at=row["created_at"],
        rank=rank,
        snippet=highlighted(row["snippet"]),
    )
