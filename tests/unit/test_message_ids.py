import pytest

from mailman.domain.message_ids import is_digest_id, parse_ids, parse_message_id


def test_every_id_of_a_references_value_comes_back_in_order() -> None:
    ids = parse_ids("<root@example.org>\r\n <child@example.org> <grandchild@example.org>")

    assert ids == ("<root@example.org>", "<child@example.org>", "<grandchild@example.org>")


def test_whitespace_folded_inside_an_id_is_removed() -> None:
    ids = parse_ids("<Pine.LNX.4.44.0401021246580@darwin.example .edu>")

    assert ids == ("<Pine.LNX.4.44.0401021246580@darwin.example.edu>",)


def test_trailing_comment_after_an_id_is_ignored() -> None:
    ids = parse_ids('<x2ptdf@biostat.example.dk> (Peter\'s message of "18 Jan 2004 22:54:36")')

    assert ids == ("<x2ptdf@biostat.example.dk>",)


def test_address_inside_a_comment_is_not_taken_for_an_id() -> None:
    ids = parse_ids("<4005E998@example.com> (message from Ann <ann@example.com> on Wed)")

    assert ids == ("<4005E998@example.com>",)


def test_address_inside_a_quoted_string_is_not_taken_for_an_id() -> None:
    ids = parse_ids('"Ann <ann@example.com>" <4005E998@example.com>')

    assert ids == ("<4005E998@example.com>",)


def test_prose_after_a_semicolon_is_ignored() -> None:
    ids = parse_ids("<4005E998@example.com>; from ann@example.com on Wed, Jan 14, 2004 at 05:15PM")

    assert ids == ("<4005E998@example.com>",)


def test_a_bare_id_without_brackets_is_accepted_when_it_is_the_whole_value() -> None:
    ids = parse_ids("  4005E998@example.com ")

    assert ids == ("<4005E998@example.com>",)


def test_prose_without_brackets_has_no_id() -> None:
    ids = parse_ids('ann@example.com\'s message of "Thu, 15 Apr 2004 20:52:03 +1000"')

    assert ids == ()


def test_an_id_named_twice_is_listed_once() -> None:
    ids = parse_ids("<a@example.com> <b@example.com> <a@example.com>")

    assert ids == ("<a@example.com>", "<b@example.com>")


def test_an_unclosed_bracket_does_not_swallow_the_next_id() -> None:
    ids = parse_ids("<broken <a@example.com>")

    assert ids == ("<a@example.com>",)


@pytest.mark.parametrize("value", [None, "", "   ", "<>", "< >"])
def test_an_empty_value_has_no_ids(value: str | None) -> None:
    assert parse_ids(value) == ()


def test_a_message_id_header_gives_its_first_id() -> None:
    assert parse_message_id(" <abc@example.com >") == "<abc@example.com>"
    assert parse_message_id("no id here") is None


@pytest.mark.parametrize(
    "message_id",
    [
        "<mailman.6440.1088450084.23181.r-help@stat.math.ethz.ch>",
        "<MAILMAN.1.1700000000.99.dev@lists.example.org>",
    ],
)
def test_mailman_digest_ids_are_recognised(message_id: str) -> None:
    assert is_digest_id(message_id)


@pytest.mark.parametrize(
    "message_id",
    ["<mailman@example.org>", "<mailman.reply.1@example.org>", "<20040101.1234@example.org>"],
)
def test_ordinary_ids_are_not_digests(message_id: str) -> None:
    assert not is_digest_id(message_id)
