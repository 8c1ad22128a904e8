"""API keys with scopes and an inbox binding, against the in-memory unit of work: what may be
asked for (scopes of the catalogue, live inboxes of the organisation), and the caller a key
then acts as."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from mailman.domain.access import MAX_BOUND_INBOXES, Scope
from mailman.domain.errors import ValidationError
from mailman.domain.pagination import PageRequest
from mailman.services import inboxes
from mailman.services.auth import api_keys

from .world import World


def _create(world: World, **fields: object) -> api_keys.CreatedApiKey:
    return api_keys.create_api_key(
        world.uow,
        world.clock,
        world.organization_id,
        name="agent",
        **fields,  # type: ignore[arg-type]
    )


def _refused(world: World, field: str, **fields: object) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        _create(world, **fields)
    assert refused.value.field == field
    assert world.tables.api_keys == {}
    return refused.value


def test_a_key_made_without_scopes_or_inboxes_reaches_everything(world: World) -> None:
    caller = _create(world).key.caller()

    assert caller.scopes is None
    assert caller.inbox_ids is None
    assert all(caller.allows(scope) for scope in Scope)


def test_a_key_holds_the_scopes_and_inboxes_it_was_made_with(world: World) -> None:
    key = _create(world, scopes=["messages:read", "messages:send"], inbox_ids=[world.inbox.id]).key

    found = api_keys.get_api_key(world.uow, world.organization_id, key.id)
    caller = found.caller()

    assert found.scopes == {Scope.MESSAGES_READ, Scope.MESSAGES_SEND}
    assert found.inbox_ids == {world.inbox.id}
    assert caller.bound
    assert caller.allows(Scope.MESSAGES_SEND)
    assert not caller.allows(Scope.DRAFTS_READ)


def test_an_unknown_scope_is_refused_naming_it(world: World) -> None:
    refused = _refused(world, "scopes", scopes=["messages:read", "mail:everything"])

    assert "mail:everything" in refused.message
    assert "messages:read" in refused.message


def test_an_empty_scope_list_is_refused(world: World) -> None:
    _refused(world, "scopes", scopes=[])


def test_an_empty_inbox_list_is_refused(world: World) -> None:
    _refused(world, "inbox_ids", inbox_ids=[])


def test_too_many_inboxes_are_refused(world: World) -> None:
    _refused(world, "inbox_ids", inbox_ids=[uuid4() for _ in range(MAX_BOUND_INBOXES + 1)])


def test_an_unknown_inbox_is_refused_naming_it(world: World) -> None:
    unknown = uuid4()

    refused = _refused(world, "inbox_ids", inbox_ids=[world.inbox.id, unknown])

    assert str(unknown) in refused.message


def test_another_organisations_inbox_is_refused_as_unknown(world: World) -> None:
    other = world.add_organization()
    domain = world.add_domain(other, "example.net")
    theirs = inboxes.create_inbox(world.uow, other, domain_id=domain.id, local_part="support")

    refused = _refused(world, "inbox_ids", inbox_ids=[theirs.id])

    assert "no such inbox" in refused.message


def test_a_deleted_inbox_is_refused(world: World) -> None:
    sales = world.add_inbox("sales")
    inboxes.delete_inbox(world.uow, world.clock, world.organization_id, sales.id)

    _refused(world, "inbox_ids", inbox_ids=[sales.id])


def test_the_key_lists_show_each_keys_reach(world: World) -> None:
    bound: list[UUID] = [world.inbox.id]
    _create(world, scopes=["events:read"], inbox_ids=bound)
    _create(world)

    listed = api_keys.list_api_keys(world.uow, world.organization_id, PageRequest(limit=10))

    assert [(k.scopes, k.inbox_ids) for k in listed.items] == [
        ({Scope.EVENTS_READ}, {world.inbox.id}),
        (None, None),
    ]
