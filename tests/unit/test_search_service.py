"""Search's rules over the in-memory unit of work: what each operator finds, trash and spam,
ranking within bands, pages, scope."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from mailman.adapters.memory import search as memory_search
from mailman.domain import search as search_rules
from mailman.domain.access import Caller
from mailman.domain.errors import NotFound, ValidationError
from mailman.services.search import search

from .world import World, make_world


def _mail(
    subject: str,
    body: str,
    *,
    sender: str = "Alice <alice@elsewhere.example>",
    to: str = "support@example.com",
    extra: str = "",
) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{uuid4()}@x>\r\n"
        f"{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


ATTACHED = (
    b"From: Bob <bob@elsewhere.example>\r\nTo: support@example.com\r\nSubject: attached\r\n"
    b"Message-ID: <attached@x>\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
    b"--B\r\nContent-Type: text/plain\r\n\r\nThe report is attached.\r\n--B\r\n"
    b"Content-Type: application/pdf\r\n"
    b"Content-Disposition: attachment; filename=figures-q3.pdf\r\n\r\nJVBERi0=\r\n--B--\r\n"
)


@pytest.fixture
def world() -> World:
    return make_world()


def _put(
    world: World, subject: str, body: str = "", *, inbox: str = "support", **kwargs: str
) -> UUID:
    world.clock.advance(timedelta(minutes=1))
    raw = _mail(subject, body, **kwargs)
    envelope = (f"{inbox}@example.com",)
    return world.received(raw, source_id=str(uuid4()), envelope=envelope).id


def _found(world: World, q: str, **kwargs: object) -> list[str | None]:
    page = search(world.uow, world.organization_id, q, **kwargs)  # type: ignore[arg-type]
    return [hit.subject for hit in page.hits]


def test_words_must_all_match_anywhere(world: World) -> None:
    _put(world, "Invoice", "for March")
    _put(world, "Invoice", "for April")

    assert _found(world, "invoice march") == ["Invoice"]
    assert _found(world, "nothing-like-this") == []


def test_phrase_needs_its_words_in_order(world: World) -> None:
    _put(world, "one", "the late fee applies")
    _put(world, "two", "fee is late")

    assert _found(world, '"late fee"') == ["one"]


def test_exclusion_and_or(world: World) -> None:
    _put(world, "apples", "fruit")
    _put(world, "pears", "fruit")
    _put(world, "plums", "fruit")

    assert set(_found(world, "fruit -pears")) == {"apples", "plums"}
    assert set(_found(world, "apples OR plums")) == {"apples", "plums"}
    assert _found(world, "fruit -(apples OR plums)") == ["pears"]


def test_field_operators_look_in_their_part_only(world: World) -> None:
    _put(world, "from ann", "hello", sender="Ann Lee <ann.lee@corp.example>")
    _put(world, "mentions ann", "ann said hello")
    _put(world, "to bob", "hi", to="Bob Stone <bob@example.com>, support@example.com")

    assert _found(world, "from:ann") == ["from ann"]
    assert _found(world, "from:corp.example") == ["from ann"]
    assert set(_found(world, "ann")) == {"from ann", "mentions ann"}
    assert _found(world, "to:stone") == ["to bob"]
    assert _found(world, "subject:mentions") == ["mentions ann"]
    assert _found(world, "subject:hello") == []


def test_state_operators(world: World) -> None:
    read = _put(world, "read one", "report")
    starred = _put(world, "starred one", "report")
    world.received(ATTACHED)
    labelled = _put(world, "labelled", "report")
    world.row(read).is_read = True
    world.row(starred).starred = True
    row = world.row(labelled)
    row.message = dataclasses.replace(row.message, labels=("Work",), folder="archive")

    assert _found(world, "has:attachment") == ["attached"]
    assert _found(world, "figures-q3.pdf") == ["attached"]
    assert _found(world, "report is:read") == ["read one"]
    assert "read one" not in _found(world, "report is:unread")
    assert _found(world, "report is:starred") == ["starred one"]
    assert _found(world, "in:starred") == ["starred one"]
    assert _found(world, "label:Work") == ["labelled"]
    assert _found(world, "label:work") == []
    assert _found(world, "in:archive") == ["labelled"]
    assert set(_found(world, "in:inbox report")) == {"read one", "starred one", "attached"}


def test_trash_and_spam_only_when_asked(world: World) -> None:
    _put(world, "kept", "receipt")
    trashed = _put(world, "trashed", "receipt")
    spam = _put(world, "spammy", "receipt")
    row = world.row(trashed)
    row.message = dataclasses.replace(row.message, folder="trash")
    row.deleted_at = datetime(2026, 11, 21, tzinfo=UTC)
    world.row(spam).message = dataclasses.replace(world.row(spam).message, folder="spam")

    assert _found(world, "receipt") == ["kept"]
    assert _found(world, "receipt in:trash") == ["trashed"]
    assert _found(world, "receipt in:spam") == ["spammy"]
    assert set(_found(world, "receipt in:anywhere")) == {"kept", "trashed", "spammy"}


def test_mail_being_erased_is_found_no_more(world: World) -> None:
    trashed = _put(world, "trashed", "receipt")
    world.row(trashed).message = dataclasses.replace(world.row(trashed).message, folder="trash")
    world.row(trashed).deleted_at = datetime(2026, 11, 21, tzinfo=UTC)
    assert _found(world, "receipt in:trash") == ["trashed"]

    world.row(trashed).erase_requested_at = datetime(2026, 11, 22, tzinfo=UTC)

    assert _found(world, "receipt in:trash") == []
    assert _found(world, "receipt in:anywhere") == []


def test_dates_compare_when_stored(world: World) -> None:
    _put(world, "stored", "note")
    stored_on = world.clock.now().date()

    assert _found(world, f"note after:{stored_on:%Y-%m-%d}") == ["stored"]
    assert _found(world, f"note before:{stored_on:%Y/%m/%d}") == []


def test_accents_and_case_do_not_matter(world: World) -> None:
    _put(world, "Résumé", "Grüße aus München")

    assert _found(world, "resume") == ["Résumé"]
    assert _found(world, "MUNCHEN") == ["Résumé"]
    assert _found(world, "grusse") == ["Résumé"]


def test_rank_puts_subject_before_body_newest_first_on_ties(world: World) -> None:
    _put(world, "other", "budget in the text")
    _put(world, "budget", "in the subject")
    _put(world, "another", "budget in the text too")

    assert _found(world, "budget") == ["budget", "another", "other"]


def test_pages_cross_bands_without_gaps_or_repeats(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_rules, "BAND", 4)
    monkeypatch.setattr(memory_search, "BAND", 4)
    made = {
        _put(world, f"m{i}", "common" if i % 3 else "common common in subject") for i in range(11)
    }

    seen: list[UUID] = []
    token = None
    while True:
        page = search(world.uow, world.organization_id, "common", limit=3, page_token=token)
        seen += [hit.id for hit in page.hits]
        token = page.next_page_token
        if token is None:
            break

    assert len(seen) == len(made) == len(set(seen))
    assert set(seen) == made


def test_snippet_marks_what_matched(world: World) -> None:
    _put(world, "s", "please pay the invoice today")

    [hit] = search(world.uow, world.organization_id, "invoice").hits

    assert [hit.snippet.text[a:b] for a, b in hit.snippet.highlights] == ["invoice"]


def test_inbox_search_and_organisation_search(world: World) -> None:
    sales = world.add_inbox("sales")
    _put(world, "for support", "quote")
    _put(world, "for sales", "quote", to="sales@example.com", inbox="sales")

    assert set(_found(world, "quote")) == {"for support", "for sales"}
    assert _found(world, "quote", inbox_id=sales.id) == ["for sales"]
    with pytest.raises(NotFound):
        search(world.uow, world.organization_id, "quote", inbox_id=uuid4())


def test_bound_caller_finds_its_inboxes_mail_only(world: World) -> None:
    sales = world.add_inbox("sales")
    _put(world, "for support", "quote")
    _put(world, "for sales", "quote", to="sales@example.com", inbox="sales")
    caller = Caller(world.organization_id, "api_key", uuid4(), inbox_ids=frozenset({sales.id}))

    def bound_uow(organization_id: UUID | None, **kwargs: object) -> object:
        return world.uow(organization_id, caller=caller)

    page = search(bound_uow, world.organization_id, "quote")  # type: ignore[arg-type]

    assert [hit.subject for hit in page.hits] == ["for sales"]


def test_bad_input_is_refused_before_reading(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        search(world.uow, world.organization_id, '"open')
    assert raised.value.field == "q"
    with pytest.raises(ValidationError) as raised:
        search(world.uow, world.organization_id, "x", limit=0)
    assert raised.value.field == "limit"
    with pytest.raises(ValidationError) as raised:
        search(world.uow, world.organization_id, "x", page_token="nope")
    assert raised.value.field == "page_token"


def test_a_page_reads_a_few_bands_at_most_and_leaves_a_token_to_go_on(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_rules, "BAND", 2)
    monkeypatch.setattr(memory_search, "BAND", 2)
    monkeypatch.setattr(search_rules, "MAX_BANDS_PER_PAGE", 2)
    for i in range(9):
        _put(world, f"m{i}", "common")

    first = search(world.uow, world.organization_id, "common", limit=10)
    rest = search(
        world.uow, world.organization_id, "common", limit=10, page_token=first.next_page_token
    )
    last = search(
        world.uow, world.organization_id, "common", limit=10, page_token=rest.next_page_token
    )

    assert len(first.hits) == 4
    assert first.next is not None
    assert first.next.position is None
    assert [len(rest.hits), len(last.hits)] == [4, 1]
    assert last.next is None
    assert len({h.id for h in (*first.hits, *rest.hits, *last.hits)}) == 9
