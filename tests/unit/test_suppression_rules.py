"""The suppression list's rules against the in-memory unit of work: addresses in one
canonical form, what a caller may add and take off, a batch's per-item results, listings'
filters and pages, and one organisation's list never seen by another."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mailman.domain.errors import NotFound, ValidationError
from mailman.domain.pagination import PageRequest
from mailman.domain.suppressions import (
    NewSuppression,
    SuppressionFilter,
    SuppressionReason,
    address_prefix,
    canonical_address,
)
from mailman.services.suppressions import (
    SuppressionOutcome,
    SuppressionRequest,
    get_suppression,
    list_suppressions,
    suppress,
    suppress_many,
    unsuppress,
    unsuppress_many,
)

from .world import World

R = SuppressionReason


def _suppress(world: World, address: str, **fields: Any) -> bool:
    _, added = suppress(world.uow, world.organization_id, SuppressionRequest(address, **fields))
    return added


def _listed(world: World, which: SuppressionFilter | None = None) -> list[str]:
    page = list_suppressions(
        world.uow, world.organization_id, which or SuppressionFilter(), PageRequest(limit=100)
    )
    return [e.address for e in page.items]


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("Ann@Example.COM", "ann@example.com"),
        ("  ann@example.com.  ", "ann@example.com"),
        ("ann@Bücher.example", "ann@xn--bcher-kva.example"),
        ("ann@xn--bcher-kva.example", "ann@xn--bcher-kva.example"),
    ],
)
def test_an_address_has_one_canonical_form(given: str, canonical: str) -> None:
    assert canonical_address(given) == canonical


@pytest.mark.parametrize(
    ("given", "prefix"),
    [("ANN", "ann"), ("Ann@Bücher.example", "ann@xn--bcher-kva.example"), ("@Ex", "@ex")],
)
def test_a_prefix_is_compared_as_addresses_are(given: str, prefix: str) -> None:
    assert address_prefix(given) == prefix


def test_an_address_is_added_once_keeping_its_first_reason_and_note(world: World) -> None:
    first = _suppress(world, "Jane@Customer.Example", note="asked by phone")
    again = _suppress(world, "jane@customer.example", reason=R.UNSUBSCRIBE)

    entry = get_suppression(world.uow, world.organization_id, "JANE@customer.example")
    assert (first, again) == (True, False)
    assert (entry.address, entry.reason, entry.details) == (
        "jane@customer.example",
        R.MANUAL,
        {"note": "asked by phone"},
    )


@pytest.mark.parametrize("reason", [R.BOUNCE, R.SOFT_BOUNCE, R.COMPLAINT])
def test_a_caller_cannot_claim_a_bounce_or_a_complaint(world: World, reason: R) -> None:
    with pytest.raises(ValidationError) as refused:
        _suppress(world, "jane@customer.example", reason=reason)

    assert refused.value.field == "reason"
    assert _listed(world) == []


@pytest.mark.parametrize(
    ("address", "note", "field"),
    [
        ("not an address", None, "address"),
        ("Jane <jane@customer.example>", None, "address"),
        ("jane@customer.example\r\nBcc: x@y.example", None, "address"),
        ("jane@customer.example", "x" * 501, "note"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    world: World, address: str, note: str | None, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _suppress(world, address, note=note)

    assert refused.value.field == field
    assert _listed(world) == []


def test_a_batch_answers_each_item_in_order_and_adds_the_valid_ones(world: World) -> None:
    _suppress(world, "old@customer.example")

    results = suppress_many(
        world.uow,
        world.organization_id,
        [
            SuppressionRequest("New@Customer.example", R.UNSUBSCRIBE),
            SuppressionRequest("nonsense"),
            SuppressionRequest("old@customer.example"),
            SuppressionRequest("new@customer.example"),
            SuppressionRequest("x@customer.example", R.COMPLAINT),
        ],
    )

    assert [(r.address, r.outcome) for r in results] == [
        ("new@customer.example", SuppressionOutcome.ADDED),
        ("nonsense", SuppressionOutcome.INVALID),
        ("old@customer.example", SuppressionOutcome.ALREADY_SUPPRESSED),
        ("new@customer.example", SuppressionOutcome.ALREADY_SUPPRESSED),
        ("x@customer.example", SuppressionOutcome.INVALID),
    ]
    assert [r.error.field for r in results if r.error] == [
        "suppressions[1].address",
        "suppressions[4].reason",
    ]
    assert sorted(_listed(world)) == ["new@customer.example", "old@customer.example"]


def test_a_listing_filters_by_reason_prefix_and_time(world: World) -> None:
    _suppress(world, "ann@customer.example")
    world.clock.advance(timedelta(hours=1))
    _suppress(world, "anna@elsewhere.example", reason=R.UNSUBSCRIBE)
    since = world.clock.advance(timedelta(hours=1))
    _suppress(world, "bob@customer.example", reason=R.UNSUBSCRIBE)

    assert _listed(world, SuppressionFilter(reason=R.UNSUBSCRIBE)) == [
        "anna@elsewhere.example",
        "bob@customer.example",
    ]
    assert _listed(world, SuppressionFilter(prefix=address_prefix("ANN"))) == [
        "ann@customer.example",
        "anna@elsewhere.example",
    ]
    assert _listed(world, SuppressionFilter(since=since)) == ["bob@customer.example"]


def test_a_listing_reads_on_page_by_page_oldest_first(world: World) -> None:
    for n in range(5):
        _suppress(world, f"user{n}@customer.example")
        world.clock.advance(timedelta(seconds=1))

    seen: list[str] = []
    page = PageRequest(limit=2)
    while True:
        listed = list_suppressions(world.uow, world.organization_id, SuppressionFilter(), page)
        seen += [e.address for e in listed.items]
        if listed.next_page_token is None:
            break
        page = PageRequest.parse(2, listed.next_page_token)

    assert seen == [f"user{n}@customer.example" for n in range(5)]


def test_an_address_taken_off_may_be_suppressed_again(world: World) -> None:
    _suppress(world, "jane@customer.example", note="first")
    first = get_suppression(world.uow, world.organization_id, "jane@customer.example")
    world.clock.advance(timedelta(days=1))

    unsuppress(world.uow, world.clock, world.organization_id, "JANE@customer.example")
    with pytest.raises(NotFound):
        get_suppression(world.uow, world.organization_id, "jane@customer.example")
    with pytest.raises(NotFound) as twice:
        unsuppress(world.uow, world.clock, world.organization_id, "jane@customer.example")
    again = _suppress(world, "jane@customer.example", reason=R.UNSUBSCRIBE)

    entry = get_suppression(world.uow, world.organization_id, "jane@customer.example")
    assert twice.value.field == "address"
    assert again
    assert (entry.reason, entry.details) == (R.UNSUBSCRIBE, {})
    assert entry.id != first.id
    assert entry.created_at > first.created_at


def test_a_bulk_removal_answers_each_address(world: World) -> None:
    _suppress(world, "ann@customer.example")
    _suppress(world, "bob@customer.example")

    results = unsuppress_many(
        world.uow,
        world.clock,
        world.organization_id,
        ["ANN@customer.example", "nobody@customer.example", "ann@customer.example"],
    )

    assert [(r.address, r.outcome) for r in results] == [
        ("ann@customer.example", SuppressionOutcome.REMOVED),
        ("nobody@customer.example", SuppressionOutcome.NOT_SUPPRESSED),
        ("ann@customer.example", SuppressionOutcome.NOT_SUPPRESSED),
    ]
    assert _listed(world) == ["bob@customer.example"]


def test_one_organisations_list_is_not_anothers(world: World) -> None:
    other = world.add_organization()
    _suppress(world, "jane@customer.example")

    with pytest.raises(NotFound):
        get_suppression(world.uow, other, "jane@customer.example")
    with pytest.raises(NotFound):
        unsuppress(world.uow, world.clock, other, "jane@customer.example")
    listed = list_suppressions(world.uow, other, SuppressionFilter(), PageRequest())
    _, added = suppress(world.uow, other, SuppressionRequest("jane@customer.example"))

    assert listed.items == []
    assert added
    assert _listed(world) == ["jane@customer.example"]


def test_what_ses_reports_is_kept_with_its_source_and_details(world: World) -> None:
    message_id = world.send().id
    with world.uow(world.organization_id) as work:
        work.suppressions.add(
            [
                NewSuppression(
                    world.organization_id,
                    "jane@customer.example",
                    R.BOUNCE,
                    source_message_id=message_id,
                    details={"bounce_sub_type": "General"},
                )
            ]
        )

    entry = get_suppression(world.uow, world.organization_id, "jane@customer.example")
    listed = _listed(world, SuppressionFilter(reason=R.BOUNCE))

    assert (entry.source_message_id, entry.details) == (message_id, {"bounce_sub_type": "General"})
    assert listed == ["jane@customer.example"]


def test_a_unit_of_work_without_an_organisation_has_no_suppression_list(world: World) -> None:
    """As on PostgreSQL, whose statements name the unit of work's organisation: a system
    unit of work sees no organisation's list rather than every one."""
    _suppress(world, "jane@customer.example")

    with world.uow(None) as work, pytest.raises(AssertionError, match="tenant's"):
        work.suppressions.find(["jane@customer.example"])
