"""An endpoint's delivery log against the in-memory unit of work: its deliveries newest first
with every attempt, filtered and paged; a retry and a recovery (what they change, what they
hand the dispatcher); and a test event, waited for."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest

from mailman.adapters.memory.webhook_rows import WebhookAttemptRow, WebhookDeliveryRow
from mailman.domain.errors import Conflict, NotFound, ValidationError, WebhookDisabled
from mailman.domain.pagination import PageRequest
from mailman.domain.webhook_views import Attempt
from mailman.domain.webhooks import TEST_WAIT, DeliveryFilter, DeliveryState, Outcome
from mailman.services.webhooks import endpoints, log
from mailman.services.webhooks.endpoints import EndpointRequest, Receivers

from ..webhook_fakes import PUBLIC_HOSTS, RecordingPublish, ReversingBox, TableResolver
from .world import World

MINUTE = timedelta(minutes=1)


def _endpoint(world: World, organization_id: UUID | None = None) -> UUID:
    return endpoints.create_endpoint(
        world.uow,
        ReversingBox(),
        Receivers(TableResolver(PUBLIC_HOSTS)),
        organization_id or world.organization_id,
        EndpointRequest("https://hooks.customer.example/mailman"),
    ).endpoint.id


def _delivery(
    world: World,
    endpoint_id: UUID,
    *,
    minutes_ago: int = 0,
    status: DeliveryState = DeliveryState.PENDING,
    event_type: str = "message.received",
    **columns: object,
) -> WebhookDeliveryRow:
    """A delivery as the fan-out and the pipeline leave it (the pipeline's own rows)."""
    endpoint = world.tables.webhook_endpoints[endpoint_id]
    at = world.clock.now() - minutes_ago * MINUTE
    row = WebhookDeliveryRow(
        id=uuid4(),
        organization_id=endpoint.organization_id,
        endpoint_id=endpoint_id,
        event_id=uuid4(),
        event_type=event_type,
        created_at=at,
        updated_at=at,
        status=status,
        next_attempt_at=at,
        failed_at=at if status is DeliveryState.FAILED else None,
        delivered_at=at if status is DeliveryState.DELIVERED else None,
        **columns,  # type: ignore[arg-type]
    )
    world.tables.webhook_deliveries[row.id] = row
    return row


def _attempt(
    world: World, delivery: WebhookDeliveryRow, at: datetime, status_code: int = 500
) -> Attempt:
    attempt = Attempt(
        id=uuid4(),
        attempted_at=at,
        latency_ms=42,
        status_code=status_code,
        error=None,
        response_body="oops",
        outcome=Outcome.DELIVERED if status_code < 300 else Outcome.FAILED,
        trigger="automatic",
    )
    world.tables.webhook_attempts[attempt.id] = WebhookAttemptRow(
        delivery.organization_id, delivery.id, delivery.endpoint_id, uuid4(), attempt, at
    )
    delivery.attempts += 1
    return attempt


def _list(
    world: World, endpoint_id: UUID, which: DeliveryFilter | None = None, limit: int = 20
) -> list[UUID]:
    page = log.list_deliveries(
        world.uow,
        world.organization_id,
        endpoint_id,
        which or DeliveryFilter(),
        PageRequest(limit=limit),
    )
    return [d.id for d in page.items]


# -- reading ---------------------------------------------------------------------------------


def test_deliveries_are_listed_newest_first_each_with_every_attempt_oldest_first(
    world: World,
) -> None:
    endpoint = _endpoint(world)
    old = _delivery(world, endpoint, minutes_ago=10)
    new = _delivery(world, endpoint, minutes_ago=1)
    late = _attempt(world, old, world.clock.now() - MINUTE, 200)
    early = _attempt(world, old, world.clock.now() - 9 * MINUTE)

    page = log.list_deliveries(
        world.uow, world.organization_id, endpoint, DeliveryFilter(), PageRequest()
    )

    assert [d.id for d in page.items] == [new.id, old.id]
    assert page.items[1].attempt_log == [early, late]
    assert page.items[1].attempts == 2
    assert page.items[0].attempt_log == []


def test_the_list_reads_on_page_by_page(world: World) -> None:
    endpoint = _endpoint(world)
    made = [_delivery(world, endpoint, minutes_ago=n).id for n in range(5)]
    same_time = [_delivery(world, endpoint, minutes_ago=7).id for _ in range(3)]

    seen: list[UUID] = []
    token: str | None = None
    while True:
        page = log.list_deliveries(
            world.uow,
            world.organization_id,
            endpoint,
            DeliveryFilter(),
            PageRequest.parse(2, token),
        )
        seen += [d.id for d in page.items]
        token = page.next_page_token
        if token is None:
            break

    assert seen == made + sorted(same_time, reverse=True)


def test_the_list_filters_by_status_type_and_time(world: World) -> None:
    endpoint = _endpoint(world)
    failed = _delivery(world, endpoint, minutes_ago=30, status=DeliveryState.FAILED)
    sent = _delivery(world, endpoint, minutes_ago=20, event_type="message.sent")
    recent = _delivery(world, endpoint, minutes_ago=5)
    now = world.clock.now()

    assert _list(world, endpoint, DeliveryFilter(status=DeliveryState.FAILED)) == [failed.id]
    assert _list(world, endpoint, DeliveryFilter(event_type="message.sent")) == [sent.id]
    assert _list(world, endpoint, DeliveryFilter(since=now - 20 * MINUTE)) == [recent.id, sent.id]
    assert _list(world, endpoint, DeliveryFilter(until=now - 20 * MINUTE)) == [failed.id]
    window = DeliveryFilter(since=now - 30 * MINUTE, until=now - 5 * MINUTE)
    assert _list(world, endpoint, window) == [sent.id, failed.id]


@pytest.mark.parametrize(
    ("which", "field"),
    [
        (DeliveryFilter(event_type="message.exploded"), "event_type"),
        (
            DeliveryFilter(
                since=datetime.fromisoformat("2026-11-21T12:00:00+00:00"),
                until=datetime.fromisoformat("2026-11-21T12:00:00+00:00"),
            ),
            "until",
        ),
    ],
)
def test_a_bad_filter_is_refused_naming_it(world: World, which: DeliveryFilter, field: str) -> None:
    endpoint = _endpoint(world)

    with pytest.raises(ValidationError) as refused:
        _list(world, endpoint, which)

    assert refused.value.field == field


def test_another_endpoints_deliveries_are_neither_listed_nor_found(world: World) -> None:
    ours, other = _endpoint(world), _endpoint(world)
    theirs = _delivery(world, other)

    assert _list(world, ours) == []
    with pytest.raises(NotFound) as missing:
        log.get_delivery(world.uow, world.organization_id, ours, theirs.id)
    assert missing.value.field == "delivery_id"
    found = log.get_delivery(world.uow, world.organization_id, other, theirs.id)
    assert found.id == theirs.id


def test_another_organisations_endpoint_is_not_found(world: World) -> None:
    stranger = world.add_organization()
    theirs = _endpoint(world, stranger)
    delivery = _delivery(world, theirs)
    publish = RecordingPublish()

    for act in (
        lambda: _list(world, theirs),
        lambda: log.get_delivery(world.uow, world.organization_id, theirs, delivery.id),
        lambda: log.retry_delivery(
            world.uow, world.clock, world.organization_id, theirs, delivery.id, publish
        ),
        lambda: log.recover_deliveries(
            world.uow,
            world.clock,
            world.organization_id,
            theirs,
            world.clock.now() - MINUTE,
            None,
            publish,
        ),
        lambda: log.send_test(world.uow, world.clock, world.organization_id, theirs, publish),
    ):
        with pytest.raises(NotFound) as missing:
            act()
        assert missing.value.field == "webhook_id"
    assert publish.handed == []


# -- retrying and recovering ----------------------------------------------------------------


def _retry(
    world: World, endpoint: UUID, delivery: UUID, publish: RecordingPublish | None = None
) -> DeliveryState:
    return log.retry_delivery(
        world.uow,
        world.clock,
        world.organization_id,
        endpoint,
        delivery,
        publish or RecordingPublish(),
    ).status


@pytest.mark.parametrize("settled", [DeliveryState.FAILED, DeliveryState.DELIVERED])
def test_a_settled_delivery_is_sent_again_once_now(world: World, settled: DeliveryState) -> None:
    endpoint = _endpoint(world)
    row = _delivery(world, endpoint, minutes_ago=60, status=settled, lease=uuid4())
    publish = RecordingPublish()

    retried = log.retry_delivery(
        world.uow, world.clock, world.organization_id, endpoint, row.id, publish
    )

    assert retried.status is DeliveryState.PENDING
    assert retried.next_attempt_at == world.clock.now()
    assert (retried.delivered_at, retried.failed_at) == (None, None)
    assert (row.automatic, row.lease, row.event_id) == (False, None, retried.event_id)
    assert publish.handed == [[row.id]]


def test_a_pending_delivery_is_brought_forward_on_its_schedule(world: World) -> None:
    endpoint = _endpoint(world)
    row = _delivery(world, endpoint)
    row.next_attempt_at = world.clock.now() + timedelta(hours=2)

    assert _retry(world, endpoint, row.id) is DeliveryState.PENDING

    assert (row.next_attempt_at, row.automatic) == (world.clock.now(), True)


def test_a_delivery_being_sent_is_a_conflict_and_stays_as_it_is(world: World) -> None:
    endpoint = _endpoint(world)
    lease = uuid4()
    row = _delivery(world, endpoint, lease=lease)
    due = row.next_attempt_at = world.clock.now() + timedelta(minutes=5)
    publish = RecordingPublish()

    with pytest.raises(Conflict) as refused:
        _retry(world, endpoint, row.id, publish)

    assert refused.value.field == "delivery_id"
    assert (row.lease, row.next_attempt_at, row.automatic) == (lease, due, True)
    assert publish.handed == []


def test_retrying_an_unknown_delivery_is_not_found(world: World) -> None:
    with pytest.raises(NotFound) as missing:
        _retry(world, _endpoint(world), uuid4())

    assert missing.value.field == "delivery_id"


def test_a_retry_stands_when_the_dispatcher_cannot_be_reached(world: World) -> None:
    endpoint = _endpoint(world)
    row = _delivery(world, endpoint, status=DeliveryState.FAILED)

    assert _retry(world, endpoint, row.id, RecordingPublish(fail=True)) is DeliveryState.PENDING

    assert row.status is DeliveryState.PENDING


def _recover(
    world: World,
    endpoint: UUID,
    since: datetime,
    until: datetime | None = None,
    publish: RecordingPublish | None = None,
) -> int:
    return log.recover_deliveries(
        world.uow,
        world.clock,
        world.organization_id,
        endpoint,
        since,
        until,
        publish or RecordingPublish(),
    )


def test_a_recovery_sends_again_every_failed_delivery_of_the_window(world: World) -> None:
    endpoint = _endpoint(world)
    failed = [
        _delivery(world, endpoint, minutes_ago=m, status=DeliveryState.FAILED) for m in (50, 20)
    ]
    before = _delivery(world, endpoint, minutes_ago=70, status=DeliveryState.FAILED)
    delivered = _delivery(world, endpoint, minutes_ago=30, status=DeliveryState.DELIVERED)
    elsewhere = _delivery(world, _endpoint(world), minutes_ago=30, status=DeliveryState.FAILED)
    publish = RecordingPublish()

    recovered = _recover(world, endpoint, world.clock.now() - timedelta(hours=1), None, publish)

    assert recovered == 2
    assert publish.handed == [[failed[0].id, failed[1].id]]
    for row in failed:
        assert (row.status, row.automatic, row.failed_at) == (DeliveryState.PENDING, False, None)
        assert row.next_attempt_at == world.clock.now()
    for row in (before, elsewhere):
        assert row.status is DeliveryState.FAILED
    assert delivered.status is DeliveryState.DELIVERED


def test_a_recovery_ends_where_asked_exclusive(world: World) -> None:
    endpoint = _endpoint(world)
    inside = _delivery(world, endpoint, minutes_ago=30, status=DeliveryState.FAILED)
    at_end = _delivery(world, endpoint, minutes_ago=10, status=DeliveryState.FAILED)
    now = world.clock.now()

    assert _recover(world, endpoint, now - timedelta(hours=1), now - 10 * MINUTE) == 1

    assert (inside.status, at_end.status) == (DeliveryState.PENDING, DeliveryState.FAILED)


def test_a_recovery_with_nothing_failed_hands_the_dispatcher_nothing(world: World) -> None:
    publish = RecordingPublish()

    assert _recover(world, _endpoint(world), world.clock.now() - MINUTE, None, publish) == 0

    assert publish.handed == []


@pytest.mark.parametrize(
    ("since", "until", "field"),
    [
        (timedelta(days=15), None, "since"),
        (timedelta(days=14, seconds=1), timedelta(0), "since"),
        (timedelta(hours=1), timedelta(hours=2), "until"),
        (timedelta(0), None, "until"),
    ],
)
def test_a_bad_window_is_refused_naming_it(
    world: World, since: timedelta, until: timedelta | None, field: str
) -> None:
    endpoint = _endpoint(world)
    row = _delivery(world, endpoint, minutes_ago=30, status=DeliveryState.FAILED)
    now = world.clock.now()

    with pytest.raises(ValidationError) as refused:
        _recover(world, endpoint, now - since, None if until is None else now - until)

    assert refused.value.field == field
    assert row.status is DeliveryState.FAILED


def test_a_window_of_fourteen_days_is_taken(world: World) -> None:
    endpoint = _endpoint(world)
    _delivery(world, endpoint, minutes_ago=14 * 24 * 60, status=DeliveryState.FAILED)

    assert _recover(world, endpoint, world.clock.now() - timedelta(days=14)) == 1


def test_a_large_recovery_hands_the_dispatcher_a_bounded_first_part(world: World) -> None:
    endpoint = _endpoint(world)
    for n in range(log.PUBLISHED_AT_ONCE + 3):
        _delivery(world, endpoint, minutes_ago=1 + n % 50, status=DeliveryState.FAILED)
    publish = RecordingPublish()

    recovered = _recover(world, endpoint, world.clock.now() - timedelta(hours=1), None, publish)

    assert recovered == log.PUBLISHED_AT_ONCE + 3
    assert [len(h) for h in publish.handed] == [log.PUBLISHED_AT_ONCE]


def test_a_disabled_endpoints_delivery_is_neither_retried_nor_recovered(world: World) -> None:
    endpoint = _endpoint(world)
    row = _delivery(world, endpoint, minutes_ago=30, status=DeliveryState.FAILED)
    world.tables.webhook_endpoints[endpoint].enabled = False
    publish = RecordingPublish()

    for act in (
        lambda: _retry(world, endpoint, row.id, publish),
        lambda: _recover(world, endpoint, world.clock.now() - timedelta(hours=1), None, publish),
    ):
        with pytest.raises(WebhookDisabled) as refused:
            act()
        assert refused.value.field == "webhook_id"
        assert "enable the webhook first" in refused.value.message

    assert (row.status, row.next_attempt_at, row.automatic) == (
        DeliveryState.FAILED,
        world.clock.now() - 30 * MINUTE,
        True,
    )
    assert publish.handed == []


def test_a_deleted_endpoints_delivery_is_not_found_to_a_retry(world: World) -> None:
    endpoint = _endpoint(world)
    row = _delivery(world, endpoint, status=DeliveryState.FAILED)
    world.tables.webhook_endpoints[endpoint].deleted_at = world.clock.now()

    with pytest.raises(NotFound) as missing:
        _retry(world, endpoint, row.id)

    assert missing.value.field == "webhook_id"
    assert row.status is DeliveryState.FAILED


# -- testing ---------------------------------------------------------------------------------


class Dispatcher:
    """Stands in for the pipeline: answers the test's delivery with an attempt after
    `polls` waits, or never; the clock moves by each wait."""

    def __init__(self, world: World, polls: int | None) -> None:
        self.world = world
        self.polls = polls
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.world.clock.advance(timedelta(seconds=seconds))
        if self.polls is not None and len(self.waits) == self.polls:
            [row] = [r for r in self.world.tables.webhook_deliveries.values() if r.test]
            _attempt(self.world, row, self.world.clock.now(), 204)


def _test(
    world: World, endpoint: UUID, dispatcher: Dispatcher, publish: RecordingPublish
) -> log.SentTest:
    return log.send_test(
        world.uow,
        world.clock,
        world.organization_id,
        endpoint,
        publish,
        sleep=dispatcher.sleep,
    )


def test_a_test_event_goes_to_its_endpoint_alone_and_its_attempt_is_answered(
    world: World,
) -> None:
    endpoint = _endpoint(world)
    _endpoint(world)
    publish = RecordingPublish()

    result = _test(world, endpoint, Dispatcher(world, polls=3), publish)

    [event] = [e.event for e in world.tables.events if e.event.type == "webhook.test"]
    [row] = world.tables.webhook_deliveries.values()
    assert (result.event_id, result.delivery.id) == (event.id, row.id)
    assert event.payload == {"endpoint_id": str(endpoint)}
    assert event.subject_id == endpoint
    assert (row.endpoint_id, row.test, row.automatic, row.event_type) == (
        endpoint,
        True,
        False,
        "webhook.test",
    )
    assert publish.handed == [[row.id]]
    assert result.attempt is not None
    assert result.attempt.status_code == 204


def test_a_test_whose_attempt_does_not_come_answers_the_pending_delivery_after_the_wait(
    world: World,
) -> None:
    endpoint = _endpoint(world)
    dispatcher = Dispatcher(world, polls=None)
    started = world.clock.now()

    result = _test(world, endpoint, dispatcher, RecordingPublish())

    assert result.attempt is None
    assert result.delivery.status is DeliveryState.PENDING
    assert world.clock.now() - started == TEST_WAIT
    assert dispatcher.waits[0] == log.FIRST_POLL_SECONDS
    assert max(dispatcher.waits) <= log.MAX_POLL_SECONDS


def test_a_test_is_stored_though_the_dispatcher_cannot_be_reached(world: World) -> None:
    endpoint = _endpoint(world)

    result = _test(world, endpoint, Dispatcher(world, polls=None), RecordingPublish(fail=True))

    assert result.delivery.id in world.tables.webhook_deliveries


def test_a_disabled_endpoint_may_be_tested(world: World) -> None:
    endpoint = _endpoint(world)
    world.tables.webhook_endpoints[endpoint].enabled = False

    result = _test(world, endpoint, Dispatcher(world, polls=1), RecordingPublish())

    assert result.attempt is not None


def test_each_test_is_its_own_event(world: World) -> None:
    endpoint = _endpoint(world)

    first = _test(world, endpoint, Dispatcher(world, polls=None), RecordingPublish())
    second = _test(world, endpoint, Dispatcher(world, polls=None), RecordingPublish())

    assert first.event_id != second.event_id
    assert first.delivery.id != second.delivery.id
