"""The search language: what a query parses into, and where a malformed one is wrong."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from mailman.domain.errors import ValidationError
from mailman.domain.search import (
    AllOf,
    AnyOf,
    Dated,
    Flag,
    InFolder,
    Is,
    Label,
    Not,
    QuerySyntaxError,
    SearchCursor,
    Text,
    TextField,
    highlighted,
    parse_query,
)

FOLDER = "0b7f1a9e-3c1d-4c8e-9a55-2f4d6b8e1c01"


def test_words_are_all_required() -> None:
    assert parse_query("invoice march").root == AllOf((Text("invoice"), Text("march")))


def test_quoted_phrase_is_one_term() -> None:
    assert parse_query('"late fee"').root == Text("late fee", phrase=True)


def test_minus_excludes_words_phrases_operators_and_groups() -> None:
    root = parse_query('-spam -"late fee" -is:unread -(a OR b)').root
    assert root == AllOf(
        (
            Not(Text("spam")),
            Not(Text("late fee", phrase=True)),
            Not(Is(Flag.UNREAD)),
            Not(AnyOf((Text("a"), Text("b")))),
        )
    )


def test_or_binds_tighter_than_nothing_and_looser_than_and() -> None:
    assert parse_query("a b OR c").root == AnyOf((AllOf((Text("a"), Text("b"))), Text("c")))


def test_and_may_be_written() -> None:
    assert parse_query("a AND b").root == AllOf((Text("a"), Text("b")))


def test_field_operators_restrict_text() -> None:
    root = parse_query('from:"Ann Lee" to:bob cc:carol subject:Invoice').root
    assert root == AllOf(
        (
            Text("Ann Lee", TextField.FROM, phrase=True),
            Text("bob", TextField.TO),
            Text("carol", TextField.TO),
            Text("Invoice", TextField.SUBJECT),
        )
    )


def test_state_operators() -> None:
    root = parse_query(
        f"has:attachment is:unread is:read is:starred in:Trash in:{FOLDER.upper()} label:Work"
    ).root
    assert root == AllOf(
        (
            Is(Flag.HAS_ATTACHMENT),
            Is(Flag.UNREAD),
            Is(Flag.READ),
            Is(Flag.STARRED),
            InFolder("trash"),
            InFolder(FOLDER),
            Label("Work"),
        )
    )


def test_a_folder_is_a_system_label_as_in_the_listings() -> None:
    """`label=inbox` lists the inbox (docs/mailbox.md), and no label is a folder's name:
    `label:inbox` searches the folder, as Gmail's does."""
    root = parse_query("label:Inbox label:trash label:starred").root
    assert root == AllOf((InFolder("inbox"), InFolder("trash"), Is(Flag.STARRED)))


def test_dates_in_either_form() -> None:
    root = parse_query("after:2026-01-02 before:2026/2/3").root
    assert root == AllOf((Dated(date(2026, 1, 2), before=False), Dated(date(2026, 2, 3), True)))
    assert Dated(date(2026, 1, 2), before=False).at == datetime(2026, 1, 2, tzinfo=UTC)


def test_a_url_is_a_word_not_an_operator() -> None:
    assert parse_query("https://example.com/x").root == Text("https://example.com/x")


def test_trash_and_spam_are_searched_only_when_named() -> None:
    assert not parse_query("invoice").searches_hidden
    assert not parse_query("invoice -in:trash").searches_hidden
    assert parse_query("invoice in:spam").searches_hidden
    assert parse_query("in:anywhere invoice").searches_hidden


def test_excluded_terms_are_not_ranked() -> None:
    assert parse_query("a -b from:c").wanted_text == (Text("a"), Text("c", TextField.FROM))


@pytest.mark.parametrize(
    ("query", "position", "says"),
    [
        ("", 0, "nothing to search for"),
        ("   ", 0, "nothing to search for"),
        ('invoice "late fee', 8, "quote is not closed"),
        ("(a OR b", 0, "'(' is not closed"),
        ("a b)", 3, "')' has no '('"),
        ("OR a", 0, "missing before OR"),
        ("a OR", 2, "OR needs a term after it"),
        ("a OR OR b", 2, "OR needs a term after it"),
        ("()", 1, "missing before )"),
        ("x frm:ann", 2, "unknown operator frm:"),
        ("from:", 0, "from: needs a value"),
        ("has:pdf", 4, "has:pdf"),
        ("is:important", 3, "is:important"),
        ("in:elsewhere", 3, "in: takes"),
        ("before:2026-13-01", 7, "YYYY-MM-DD"),
        ("after:yesterday", 6, "YYYY-MM-DD"),
        ("a & b", 2, "no letter or digit"),
        ("a - b", 2, "no letter or digit"),
        ("-", 0, "no letter or digit"),
        ("x" * 1001, 1000, "at most 1000 characters"),
        ("ab\x00c", 2, "no control characters"),
        ("(" * 9 + "a" + ")" * 9, 8, "nest at most 8"),
    ],
)
def test_malformed_query_says_where(query: str, position: int, says: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(query)

    assert raised.value.field == "q"
    assert raised.value.details == {"position": position}
    assert says in raised.value.message
    assert isinstance(raised.value, ValidationError)


def test_too_many_terms() -> None:
    with pytest.raises(QuerySyntaxError, match="at most 50 terms"):
        parse_query(" ".join(f"w{i}" for i in range(51)))


def test_cursor_round_trips() -> None:
    band = (datetime(2026, 1, 1, tzinfo=UTC), UUID(FOLDER))
    at = (0.1 + 0.2, datetime(2025, 1, 1, tzinfo=UTC), UUID(int=5))
    for cursor in (SearchCursor(band, at), SearchCursor(None, at), SearchCursor(band, None)):
        assert SearchCursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize(
    "token",
    [
        "x",
        base64.urlsafe_b64encode(b"null").decode(),
        base64.urlsafe_b64encode(b"[null, null]").decode(),
        base64.urlsafe_b64encode(b'[null, ["NaN", "2026-01-01", "x"]]').decode(),
        base64.urlsafe_b64encode(
            b'[null, [1e999, "2026-01-01T00:00:00+00:00", "' + str(UUID(int=1)).encode() + b'"]]'
        ).decode(),
        base64.urlsafe_b64encode(b"[[1], null]").decode(),
    ],
)
def test_foreign_token_is_refused(token: str) -> None:
    with pytest.raises(ValidationError) as raised:
        SearchCursor.decode(token)
    assert raised.value.field == "page_token"


def test_highlight_markers_become_offsets() -> None:
    marked = highlighted("pay the \ue000invoice\ue001 by \ue000Friday\ue001")
    assert marked.text == "pay the invoice by Friday"
    assert [marked.text[a:b] for a, b in marked.highlights] == ["invoice", "Friday"]
