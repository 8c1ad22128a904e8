"""The PostgreSQL suppression list names its organisation in every statement: on a
connection that row-level security does not scope (the owner's), an organisation still
reads, lists and removes its own entries only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

import pytest

from mailman.adapters.postgres.database import Database
from mailman.adapters.postgres.suppressions import PostgresSuppressionList
from mailman.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from mailman.domain.pagination import PageRequest
from mailman.domain.suppressions import NewSuppression, SuppressionFilter, SuppressionReason
from mailman.services import organizations

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADDRESS = "jane@customer.example"


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.close()


@pytest.fixture
def tenants(database: Database) -> tuple[UUID, UUID]:
    """Two organisations that both suppress `ADDRESS`; the second also another address."""
    uow = PostgresUnitOfWorkFactory(database)
    ours = organizations.create_organization(uow, "Ours").id
    theirs = organizations.create_organization(uow, "Theirs").id
    for org, addresses in ((ours, [ADDRESS]), (theirs, [ADDRESS, "bob@customer.example"])):
        with uow(org) as work:
            work.suppressions.add(
                [NewSuppression(org, a, SuppressionReason.BOUNCE, at=AT) for a in addresses]
            )
    return ours, theirs


def _unscoped(database: Database, organization_id: UUID) -> Iterator[PostgresSuppressionList]:
    """The organisation's list on the owner's connection, which row-level security skips."""
    with database.transaction(None) as conn:
        yield PostgresSuppressionList(conn, organization_id)


def test_without_row_level_security_an_organisation_reads_only_its_own_entries(
    database: Database, tenants: tuple[UUID, UUID]
) -> None:
    ours, _ = tenants
    for entries in _unscoped(database, ours):
        found = entries.find([ADDRESS, "bob@customer.example"])
        looked_up = entries.lookup(["bob@customer.example"])()
        got = entries.get(ADDRESS)
        listed = entries.list(SuppressionFilter(), PageRequest(limit=10))

    assert found == {ADDRESS: "bounce"}
    assert looked_up == {}
    assert got is not None
    assert got.organization_id == ours
    assert [(e.organization_id, e.address) for e in listed] == [(ours, ADDRESS)]


def test_without_row_level_security_a_removal_leaves_another_organisations_entries(
    database: Database, tenants: tuple[UUID, UUID]
) -> None:
    ours, theirs = tenants
    for entries in _unscoped(database, ours):
        removed = entries.remove([ADDRESS, "bob@customer.example"], AT)

    for entries in _unscoped(database, theirs):
        kept = entries.find([ADDRESS, "bob@customer.example"])
    assert removed == [True, False]
    assert kept == {ADDRESS: "bounce", "bob@customer.example": "bounce"}


def test_a_unit_of_work_without_an_organisation_has_no_suppression_list(
    database: Database, tenants: tuple[UUID, UUID]
) -> None:
    with (
        PostgresUnitOfWorkFactory(database)(None) as work,
        pytest.raises(AssertionError, match="tenant's"),
    ):
        work.suppressions.find([ADDRESS])
