"""The in-memory unit of work keeps what a clean block did and nothing of a failed one, and
scopes every read and write to its organisation as row-level security does."""

from __future__ import annotations

import pytest

from mailman.domain.errors import StorageError
from mailman.domain.events import NewEvent

from .world import World


def test_a_block_that_ends_cleanly_is_committed(world: World) -> None:
    with world.uow(world.organization_id) as work:
        inbox = work.inboxes.get(world.inbox.id)

    assert work.committed is True
    assert inbox == world.inbox


def _fail_midway(world: World) -> None:
    with world.uow(None) as work:
        work.inboxes.soft_delete(world.inbox.id, world.clock.now())
        work.organizations.add("Initech")
        raise RuntimeError("the block failed")


def test_a_block_that_raises_keeps_nothing_it_did(world: World) -> None:
    with pytest.raises(RuntimeError):
        _fail_midway(world)

    assert world.uow.units[-1].committed is False
    with world.uow(None) as after:
        assert after.inboxes.get(world.inbox.id) == world.inbox
        assert [o.name for o in after.organizations.list()] == ["Acme"]


def test_a_tenant_sees_only_its_own_rows_and_the_system_every_one(world: World) -> None:
    stranger = world.add_organization()

    with world.uow(stranger) as theirs, world.uow(None) as system:
        assert theirs.inboxes.get(world.inbox.id) is None
        assert theirs.domains.count_live() == 0
        assert system.inboxes.get(world.inbox.id) == world.inbox


def test_a_tenant_cannot_write_another_organisations_rows(world: World) -> None:
    stranger = world.add_organization()

    with world.uow(stranger) as work, pytest.raises(StorageError):
        work.events.append(NewEvent(world.organization_id, "x", None, "x", {}))

    assert world.tables.events == []
