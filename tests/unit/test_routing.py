from uuid import uuid4

from mailman.domain.routing import InboxAddress, route

ORG = uuid4()
DOMAIN = uuid4()
SUPPORT = InboxAddress(uuid4(), ORG, DOMAIN)
SALES = InboxAddress(uuid4(), ORG, DOMAIN)
CATCH_ALL = InboxAddress(uuid4(), ORG, DOMAIN)
INBOXES = {("example.com", "support"): SUPPORT, ("example.com", "sales"): SALES}


def _lookup(domain: str, local: str) -> InboxAddress | None:
    return INBOXES.get((domain, local))


def _no_catch_all(domain: str) -> InboxAddress | None:
    return None


def _catch_all(domain: str) -> InboxAddress | None:
    return CATCH_ALL if domain == "example.com" else None


def _ours(domain: str) -> bool:
    return domain == "example.com"


def test_exact_addresses_reach_their_inboxes_case_insensitively() -> None:
    routing = route(["Support@Example.com", "sales@example.com"], _lookup, _no_catch_all, _ours)

    assert [d.inbox for d in routing.destinations] == [SUPPORT, SALES]
    assert routing.unroutable == ()


def test_sub_addresses_reach_the_base_inbox_and_keep_their_tag() -> None:
    routing = route(["support+billing@example.com"], _lookup, _no_catch_all, _ours)

    assert routing.destinations[0].inbox == SUPPORT
    assert routing.destinations[0].tags == ("billing",)


def test_one_delivery_per_inbox_however_many_addresses_reach_it() -> None:
    routing = route(
        ["support@example.com", "support+a@example.com", "SUPPORT@example.com"],
        _lookup,
        _no_catch_all,
        _ours,
    )

    assert len(routing.destinations) == 1
    assert routing.destinations[0].addresses == ("support@example.com", "support+a@example.com")


def test_unknown_addresses_of_our_domain_go_to_the_catch_all() -> None:
    routing = route(["nobody@example.com"], _lookup, _catch_all, _ours)

    assert [d.inbox for d in routing.destinations] == [CATCH_ALL]


def test_without_a_catch_all_they_are_unroutable() -> None:
    routing = route(["nobody@example.com"], _lookup, _no_catch_all, _ours)

    assert routing.destinations == ()
    assert routing.unroutable == ("nobody@example.com",)


def test_other_peoples_addresses_are_ignored() -> None:
    routing = route(["friend@elsewhere.example", "not an address"], _lookup, _catch_all, _ours)

    assert routing.destinations == ()
    assert routing.unroutable == ()
