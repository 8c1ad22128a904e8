"""Receiving's rules against the in-memory unit of work: which inbox mail reaches, what is
recorded for mail no inbox takes, and that a notification delivered twice stores once."""

from __future__ import annotations

from mailman.services.receiving import Received

from ..mail import make_mail
from .world import World, add_domain


def _event_types(world: World) -> list[str]:
    return [e.event.type for e in world.tables.events]


def _to(world: World, *addresses: str, source_id: str = "ses-1") -> Received:
    return world.receive(
        make_mail(to=", ".join(addresses)), source_id=source_id, envelope=addresses
    )


def test_mail_for_an_inbox_is_stored_in_a_new_thread_and_announced(world: World) -> None:
    received = world.receive(make_mail())

    [stored] = received.stored
    assert (stored.inbox_id, stored.created, stored.quarantined) == (world.inbox.id, True, False)
    assert stored.thread_id is not None
    assert world.row(stored.id).message.match_reason == "new"
    assert _event_types(world) == ["message.received"]


def test_a_reply_joins_the_thread(world: World) -> None:
    first = world.receive(make_mail()).stored[0]

    reply = world.receive(
        make_mail(
            message_id="<m2@elsewhere.example>",
            extra="In-Reply-To: <m1@elsewhere.example>\r\n",
            subject="Re: Order 1234",
        ),
        source_id="ses-2",
    ).stored[0]

    assert reply.thread_id == first.thread_id
    assert world.row(reply.id).message.match_reason == "in_reply_to"
    assert first.thread_id is not None
    assert world.tables.threads[first.thread_id].message_count == 2


def test_the_same_notification_twice_stores_one_message(world: World) -> None:
    first = world.receive(make_mail())

    again = world.receive(make_mail())

    assert again.stored[0].id == first.stored[0].id
    assert again.stored[0].created is False
    assert len(world.tables.messages) == 1
    assert _event_types(world) == ["message.received"]


def test_addresses_reach_their_inbox_whatever_the_case(world: World) -> None:
    sales = world.add_inbox("sales")

    received = _to(world, "Support@Example.COM", "sales@example.com")

    assert [s.inbox_id for s in received.stored] == [world.inbox.id, sales.id]


def test_sub_addresses_reach_the_inbox_with_their_tag(world: World) -> None:
    received = _to(world, "support+billing@example.com")

    [stored] = received.stored
    assert stored.inbox_id == world.inbox.id
    assert world.row(stored.id).message.plus_tags == ("billing",)


def test_a_catch_all_inbox_takes_unknown_addresses(world: World) -> None:
    catch_all = world.add_inbox("everything", catch_all=True)

    received = _to(world, "nobody@example.com")

    assert [s.inbox_id for s in received.stored] == [catch_all.id]
    assert received.unroutable == ()


def test_mail_for_an_unknown_local_part_is_recorded_as_unroutable(world: World) -> None:
    received = _to(world, "nobody@example.com")

    assert (received.stored, received.unroutable) == ((), ("nobody@example.com",))
    [recorded] = world.tables.unroutable.values()
    assert (recorded.recipients, recorded.reason) == (
        ("nobody@example.com",),
        "no inbox for the address",
    )
    assert world.blobs.get(recorded.raw_storage_key) == make_mail(to="nobody@example.com")
    assert _event_types(world) == ["message.unroutable"]


def test_unroutable_mail_delivered_twice_is_recorded_once(world: World) -> None:
    _to(world, "nobody@example.com")

    _to(world, "nobody@example.com")

    assert len(world.tables.unroutable) == 1
    assert _event_types(world) == ["message.unroutable"]


def test_mail_for_a_domain_not_verified_for_receiving_says_so_and_stores_nothing(
    world: World,
) -> None:
    world.set_domain(mx_verified=False)

    received = world.receive(make_mail())
    again = world.receive(make_mail())

    assert received.stored == again.stored == ()
    assert received.unroutable == ("support@example.com",)
    [recorded] = world.tables.unroutable.values()
    [event] = world.tables.events
    assert recorded.reason == (
        "the domain is not verified for receiving: its MX record does not point at SES"
    )
    assert event.event.payload["reason"] == recorded.reason
    assert world.tables.messages == {}


def test_mail_for_a_domain_that_is_not_ours_is_ignored(world: World) -> None:
    received = _to(world, "someone@elsewhere.example")

    assert (received.stored, received.unroutable) == ((), ())
    assert world.tables.unroutable == {}
    assert world.tables.events == []


def test_unroutable_mail_on_two_domains_is_recorded_for_each(world: World) -> None:
    add_domain(world.uow, world.organization_id, "example.org")

    received = _to(world, "nobody@example.com", "nobody@example.org")

    assert sorted(received.unroutable) == ["nobody@example.com", "nobody@example.org"]
    assert sorted(r.recipients for r in world.tables.unroutable.values()) == [
        ("nobody@example.com",),
        ("nobody@example.org",),
    ]
    assert _event_types(world) == ["message.unroutable", "message.unroutable"]


def test_mail_for_a_name_claimed_twice_goes_to_the_claim_that_receives_for_it(
    world: World,
) -> None:
    stranger = world.add_organization()
    add_domain(world.uow, stranger, "example.com", sending=False, receiving=False)

    received = _to(world, "support@example.com", "nobody@example.com")

    assert [s.inbox_id for s in received.stored] == [world.inbox.id]
    assert received.unroutable == ("nobody@example.com",)
    assert {key[0] for key in world.tables.unroutable} == {world.organization_id}


def test_a_name_claimed_twice_that_no_claim_receives_for_is_no_ones(world: World) -> None:
    stranger = world.add_organization()
    add_domain(world.uow, stranger, "example.com", sending=False, receiving=False)
    world.set_domain(mx_verified=False)

    received = _to(world, "nobody@example.com")

    assert (received.stored, received.unroutable) == ((), ())
    assert world.tables.unroutable == {}
