"""The fast path every producing function takes after its work commits: queue the webhooks
due now, never failing the function for it."""

from __future__ import annotations

import pytest

from functions import runtime
from mailman.adapters.memory.clock import FixedClock
from mailman.adapters.memory.unit_of_work import InMemoryUnitOfWorkFactory
from mailman.adapters.memory.webhook_queue import InMemoryWebhookQueue
from mailman.composition import Container
from mailman.config import Settings

from .webhook_world import Pipeline
from .world import NOW, World


def _container(world: World, queue: InMemoryWebhookQueue, url: str | None) -> Container:
    container = Container(Settings(webhook_queue_url=url), world.clock)
    vars(container).update(uow=world.uow, webhook_queue=queue)
    return container


def test_the_webhooks_due_are_queued(world: World) -> None:
    hooks = Pipeline(world)
    hooks.endpoint()
    hooks.append()

    queued = runtime.publish_webhooks(_container(world, hooks.queue, "https://sqs/q.fifo"))

    assert queued == 1
    assert len(hooks.queue.sent) == 1


def test_without_a_webhook_queue_nothing_is_done(world: World) -> None:
    hooks = Pipeline(world)
    hooks.endpoint()
    hooks.append()

    assert runtime.publish_webhooks(_container(world, hooks.queue, None)) == 0
    assert hooks.queue.sent == []
    assert hooks.deliveries()[0].lease is None


def test_a_failure_is_logged_and_counted_never_raised(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = Pipeline(world)
    hooks.endpoint()
    hooks.append()
    hooks.queue.refusing = True
    counted: list[str] = []
    monkeypatch.setattr(runtime, "count", lambda name, value=1: counted.append(name))

    assert runtime.publish_webhooks(_container(world, hooks.queue, "https://sqs/q.fifo")) == 0
    assert counted == ["WebhookPublishFailed"]


def test_with_nothing_due_one_unit_of_work_is_opened_and_no_queue_made() -> None:
    clock = FixedClock(NOW)
    uow = InMemoryUnitOfWorkFactory(clock)
    container = Container(Settings(webhook_queue_url="https://sqs/q.fifo"), clock)
    vars(container).update(uow=uow)

    assert runtime.publish_webhooks(container) == 0
    assert len(uow.units) == 1
    assert "webhook_queue" not in vars(container)
