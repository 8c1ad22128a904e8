"""Address lists as headers write them, read leniently."""

from __future__ import annotations

import pytest

from mailman.domain.addresses import parse_address_list


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            '"Smith, J" <j@example.com>, k@example.com',
            [("Smith, J", "j@example.com"), (None, "k@example.com")],
        ),
        (
            "team: a@example.com, b@example.com;, c@example.com",
            [(None, "a@example.com"), (None, "b@example.com"), (None, "c@example.com")],
        ),
        ("undisclosed-recipients:;", []),
        ("a@example.com (Ann Example)", [("Ann Example", "a@example.com")]),
        ("=?utf-8?q?J=C3=B6rg?= <j@example.de>", [("=?utf-8?q?J=C3=B6rg?=", "j@example.de")]),
        ("Weird <weird@example.com", [("Weird", "weird@example.com")]),
        ("((((((((((", []),
        ("<@relay.example:a@example.com>", [(None, "a@example.com")]),
        (
            "Ann <a@example.com> (note), b@example.com",
            [("Ann", "a@example.com"), (None, "b@example.com")],
        ),
    ],
)
def test_address_lists_are_parsed_leniently(
    value: str, expected: list[tuple[str | None, str]]
) -> None:
    assert parse_address_list(value) == expected


def test_an_address_list_stops_at_two_thousand_mailboxes() -> None:
    many = ", ".join(f"user{n}@example.com" for n in range(2_500))

    boxes = parse_address_list(many)

    assert len(boxes) == 2_000
    assert boxes[-1] == (None, "user1999@example.com")
