"""`PostgresSearchIndex`: a query's tree as SQL over `messages.search` (migration 0020's
generated tsvector, GIN index `messages_search`), ranked within bands of the newest matches.

No text of the query is ever part of the SQL: every value is a bound parameter. Text terms
become one tsquery's text that this module writes with every lexeme quoted (`'...'`, a
quote doubled, a backslash escaped) and a weight label where the term is restricted
(`subject:` A, `from:` B, `to:`/`cc:` C); `to_tsquery` reads it with the search's own
configuration, so the words are normalised (lower case, accents removed) exactly as the
messages were, and a phrase's words (or a word the parser splits, as `foo-bar`) must
follow one another (`<->`).

A band is the `BAND` newest messages (created_at, id) that the query's top-level text terms
and simple filters match, read by `mailman_search_band` (migration 0021): under row-level
security PostgreSQL would not use the GIN index for `@@` (not a leakproof operator) and
misjudges the policies' selectivity, so that function applies the tenant's predicates
itself, planned with their values: for a common word the planner walks a btree newest
first and stops after `BAND` rows; for a rare one it reads the GIN index's bitmap and sorts
the few rows. The rest of the query (`Pushdown.residual`) is applied to the band's rows
under row-level security, and only they are ranked (`ts_rank`); only the page's rows get a
snippet (`ts_headline` over the first `SNIPPET_SOURCE` characters of the text)."""

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


_FLAG_SLOTS: dict[Flag, tuple[str, bool]] = {
    Flag.UNREAD: ("read", False),
    Flag.READ: ("read", True),
    Flag.STARRED: ("flagged", True),
    Flag.HAS_ATTACHMENT: ("attached", True),
}


@dataclass
class Pushdown:
    """A query split for `mailman_search_band` (migration 0021): its top-level text terms
    as one tsquery's text, its top-level simple filters as the function's arguments, and
    whatever else (`residual`: filters under OR or `-`, a second filter of one kind) for the
    outer statement to apply to the band's rows."""

    texts: list[Node] = field(default_factory=list)
    slots: dict[str, object] = field(default_factory=dict)
    residual: list[Node] = field(default_factory=list)

    @classmethod
    def of(cls, root: Node) -> Pushdown:
        split = cls()
        for node in root.operands if isinstance(root, AllOf) else (root,):
            split._place(node)
        return split

    def _place(self, node: Node) -> None:
        slot = self._slot(node)
        if tsquery(node) is not None:
            self.texts.append(node)
        elif slot is not None and slot[0] not in self.slots:
            self.slots[slot[0]] = slot[1]
        elif not (isinstance(node, InFolder) and node.folder == ANYWHERE):
            self.residual.append(node)

    @staticmethod
    def _slot(node: Node) -> tuple[str, object] | None:
        if isinstance(node, Is):
            return _FLAG_SLOTS[node.flag]
        if isinstance(node, InFolder) and node.folder not in (ANYWHERE, SystemFolder.STARRED):
            return ("in_folder", node.folder)
        if isinstance(node, Label):
            return ("label", node.name)
        if isinstance(node, Dated):
            return ("before_at" if node.before else "after_at", node.at)
        return None

    @property
    def text(self) -> str | None:
        if not self.texts:
            return None
        return tsquery(AllOf(tuple(self.texts)) if len(self.texts) > 1 else self.texts[0])

    def arguments(self) -> list[object]:
        names = ("read", "flagged", "attached", "in_folder", "label", "after_at", "before_at")
        return [self.slots.get(name) for name in names]


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
        order, after `position` within it. The band is the `BAND` newest messages the
        query's top-level terms and filters match (`mailman_search_band`); the rest of the
        query (`Pushdown.residual`) is applied to them here, under row-level security."""
        split = Pushdown.of(request.query.root)
        params: list[object] = [
            split.text,
            request.inbox_id,
            request.query.searches_hidden,
            *split.arguments(),
            *(band or (None, None)),
            BAND,
            _ranked_terms(request),
        ]
        residual: LiteralString = (
            " WHERE " + Condition(params).of(AllOf(tuple(split.residual))) if split.residual else ""
        )
        later: LiteralString = (
            " WHERE (r.rank, r.created_at, r.id) < (%s, %s, %s)" if position else ""
        )
        params.extend([*(position or ()), limit])
        rows = self._conn.execute(
            "WITH band AS MATERIALIZED (SELECT b.id, b.created_at FROM mailman_search_band("
            f"  to_tsquery({CONFIG}, %s::text), %s::uuid, %s, %s::boolean, %s::boolean, "
            "  %s::boolean, %s::text, %s::text, %s::timestamptz, %s::timestamptz, "
            "  %s::timestamptz, %s::uuid, %s) b), "
            "edge AS (SELECT count(*) AS size, "
            "  (array_agg(created_at ORDER BY created_at, id))[1] AS at, "
            "  (array_agg(id ORDER BY created_at, id))[1] AS id FROM band), "
            "ranked AS (SELECT m.id, m.created_at, "
            f"  coalesce(ts_rank(m.search, to_tsquery({CONFIG}, %s::text)), 0)::float8 AS rank "
            f"  FROM band b JOIN messages m ON m.id = b.id{residual}), "
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
