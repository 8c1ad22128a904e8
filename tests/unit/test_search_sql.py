"""How the PostgreSQL adapter writes a query: tsquery text with every lexeme quoted, and the
split between what `mailman_search_band` reads and what is left for the band's rows."""

from __future__ import annotations

from datetime import UTC, datetime

from mailman.adapters.postgres.search import Condition, Pushdown, tsquery
from mailman.domain.search import Flag, InFolder, Is, Not, parse_query


def test_every_lexeme_is_quoted_with_its_weight() -> None:
    root = parse_query("""it's a\\b from:"Ann Lee" -subject:x OR to:y""").root

    assert tsquery(root) == ("(('it''s' & 'a\\\\b' & 'Ann Lee':B & !('x':A)) | 'y':C)")


def test_operators_in_user_text_stay_inside_quotes() -> None:
    assert tsquery(parse_query("a&b|!c:*").root) == "'a&b|!c:*'"


def test_filters_have_no_tsquery() -> None:
    assert tsquery(parse_query("a is:unread").root) is None


def test_top_level_terms_and_simple_filters_go_to_the_band_function() -> None:
    split = Pushdown.of(
        parse_query(
            "invoice -draft is:unread has:attachment in:archive label:Work "
            "after:2026-01-02 before:2026-02-01 in:anywhere"
        ).root
    )

    assert split.text == "('invoice' & !('draft'))"
    assert split.arguments() == [
        False,
        None,
        True,
        "archive",
        "Work",
        datetime(2026, 1, 2, tzinfo=UTC),
        datetime(2026, 2, 1, tzinfo=UTC),
    ]
    assert split.residual == []


def test_the_rest_is_left_for_the_bands_rows() -> None:
    split = Pushdown.of(
        parse_query("a (b OR is:starred) -is:read is:read is:unread in:starred").root
    )

    assert split.text == "'a'"
    assert split.arguments()[:2] == [True, None]
    assert split.residual == [
        parse_query("b OR is:starred").root,
        Not(Is(Flag.READ)),
        Is(Flag.UNREAD),
        InFolder("starred"),
    ]


def test_a_residual_condition_binds_every_value() -> None:
    params: list[object] = []
    sql = Condition(params).of(parse_query("(x OR label:L) -in:archive").root)

    assert sql == (
        "((m.search @@ to_tsquery('public.mailman_search'::regconfig, %s) OR "
        "m.labels @> ARRAY[%s]::text[]) AND NOT (m.folder = %s))"
    )
    assert params == ["'x'", "L", "archive"]
