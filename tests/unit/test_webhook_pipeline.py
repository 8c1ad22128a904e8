"""The webhook pipeline's rules, in memory on a clock the tests move: the fan-out, the
relay and the sweep, and what the dispatcher's reports do to deliveries and endpoints."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from mailman.adapters.memory.webhook_queue import InMemoryWebhookQueue
from mailman.domain.errors import DeliveryError, NotQueued
from mailman.domain.event_catalogue import (
    WEBHOOK_DELIVERY_EXHAUSTED,
    WEBHOOK_ENDPOINT_DISABLED,
    entry,
)
from mailman.domain.webhook_work import WebhookWork
from mailman.domain.webhooks import (
    FAILING_DISABLES_AFTER,
    JITTER,
    LEASE,
    MAX_IN_FLIGHT,
    MAX_RETRY_AFTER,
    RETRY_DELAYS,
)
from mailman.services.webhooks import ReportOutcome, Swept, relay, sweep

from ..mail import make_mail
from .webhook_world import DOWN, OK, Answer, Pipeline, report_for
from .world import World


@pytest.fixture
def hooks(world: World) -> Pipeline:
    return Pipeline(world)


THREAD = str(uuid4())


def _message_event(hooks: Pipeline, type_: str = "message.sent") -> None:
    hooks.append(type_, {"message_id": str(uuid4()), "inbox_id": str(hooks.world.inbox.id)})


# The fan-out, as the trigger does it.


def test_an_event_fans_out_to_each_live_endpoint_that_wants_it(hooks: Pipeline) -> None:
    everything = hooks.endpoint()
    sent_only = hooks.endpoint(event_types=("message.sent",))
    other_inbox = hooks.endpoint(inbox_ids=(uuid4(),))
    this_inbox = hooks.endpoint(inbox_ids=(hooks.world.inbox.id,))
    disabled = hooks.endpoint(enabled=False)
    deleted = hooks.endpoint(deleted_at=hooks.world.clock.now())
    elsewhere = hooks.endpoint(organization_id=hooks.world.add_organization())

    _message_event(hooks, "message.received")

    wanted = {d.endpoint_id for d in hooks.deliveries()}
    assert wanted == {everything.id, this_inbox.id}
    assert not {sent_only.id, other_inbox.id, disabled.id, deleted.id, elsewhere.id} & wanted


def test_an_endpoint_hears_of_other_endpoints_webhook_events_not_its_own(hooks: Pipeline) -> None:
    first, second = hooks.endpoint(), hooks.endpoint()

    hooks.append(WEBHOOK_ENDPOINT_DISABLED, {"endpoint_id": str(first.id)}, subject_id=first.id)
    hooks.append("webhook.test", {}, subject_id=second.id)

    assert [(d.endpoint_id, d.event_type) for d in hooks.deliveries()] == [
        (second.id, WEBHOOK_ENDPOINT_DISABLED)
    ]


def test_a_delivery_is_due_at_once_in_its_events_thread(hooks: Pipeline) -> None:
    hooks.endpoint()

    hooks.append("message.sent", {"thread_id": THREAD})

    [delivery] = hooks.deliveries()
    assert delivery.status == "pending"
    assert delivery.next_attempt_at == hooks.world.clock.now()
    assert str(delivery.thread_id) == THREAD


# The relay.


def test_publishing_queues_the_work_of_each_due_delivery_and_leases_it(hooks: Pipeline) -> None:
    endpoint = hooks.endpoint(url="https://hooks.example.test/in")
    event = hooks.append("message.sent", {"thread_id": THREAD, "message_id": str(uuid4())})

    assert hooks.publish() == 1

    [work] = hooks.queue.sent
    [delivery] = hooks.deliveries()
    assert work.delivery_id == delivery.id
    assert work.webhook_id == str(event.id)
    assert work.url == "https://hooks.example.test/in"
    assert work.group == f"{endpoint.id}:{THREAD}"
    assert work.trigger == "automatic"
    assert work.secrets == [base64.b64encode(b"sealed-current").decode()]
    assert work.body == delivery.body
    assert delivery.lease == work.lease
    assert delivery.next_attempt_at == hooks.world.clock.now() + LEASE


def test_a_leased_delivery_is_not_published_again_until_its_lease_ends(hooks: Pipeline) -> None:
    hooks.endpoint()
    hooks.append()
    hooks.publish()

    hooks.world.clock.advance(LEASE - timedelta(seconds=1))
    assert hooks.publish() == 0
    hooks.world.clock.advance(timedelta(seconds=1))
    assert hooks.publish() == 1
    first, second = hooks.queue.sent
    assert first.lease != second.lease
    assert first.body == second.body


def test_work_outside_a_thread_is_grouped_by_its_subject_or_event(hooks: Pipeline) -> None:
    endpoint = hooks.endpoint()
    domain_id = uuid4()
    hooks.append("domain.verified", subject_id=domain_id)
    loose = hooks.append("organization.note")

    hooks.publish()

    assert [w.group for w in hooks.queue.sent] == [
        f"{endpoint.id}:{domain_id}",
        f"{endpoint.id}:{loose.id}",
    ]


def test_first_attempts_are_published_in_the_order_of_the_log(hooks: Pipeline) -> None:
    hooks.endpoint()
    events = [hooks.append("message.sent", {"thread_id": THREAD, "n": n}) for n in range(5)]

    hooks.publish()

    assert [w.webhook_id for w in hooks.queue.sent] == [str(e.id) for e in events]


def test_publishing_only_named_deliveries_leaves_the_others_due(hooks: Pipeline) -> None:
    hooks.endpoint()
    hooks.append()
    hooks.append()
    first, second = hooks.deliveries()

    assert hooks.publish(only=[second.id]) == 1

    assert [w.delivery_id for w in hooks.queue.sent] == [second.id]
    assert first.lease is None


def test_a_disabled_endpoints_deliveries_wait_unpublished(hooks: Pipeline) -> None:
    endpoint = hooks.endpoint()
    hooks.append()
    endpoint.enabled = False

    assert hooks.publish() == 0
    endpoint.enabled = True
    assert hooks.publish() == 1


def test_a_test_goes_to_a_disabled_endpoint_but_not_to_a_deleted_one(hooks: Pipeline) -> None:
    world = hooks.world
    disabled = hooks.endpoint(enabled=False)
    deleted = hooks.endpoint(deleted_at=world.clock.now())
    with world.uow(world.organization_id) as work:
        for endpoint in (disabled, deleted):
            work.webhook_log.add_test(world.organization_id, endpoint.id, world.clock.now())

    assert hooks.publish() == 1

    [work] = hooks.queue.sent
    assert (work.endpoint_id, work.trigger) == (disabled.id, "test")


def test_a_claim_takes_at_most_its_limit(hooks: Pipeline) -> None:
    hooks.endpoint()
    for _ in range(3):
        hooks.append()

    assert hooks.publish(limit=2, rounds=1) == 2
    assert hooks.publish(limit=2, rounds=1) == 1


def test_a_publish_claims_again_until_nothing_is_due_within_its_rounds(hooks: Pipeline) -> None:
    hooks.endpoint()
    for _ in range(7):
        hooks.append()

    assert hooks.publish(limit=2, rounds=3) == 6
    assert hooks.publish(limit=2) == 1


# The in-flight cap: one endpoint never fills the dispatcher.


def _threads(hooks: Pipeline, n: int) -> list[str]:
    """One event in each of `n` threads, appended in order; answers their ids."""
    return [str(hooks.append("message.sent", {"thread_id": str(uuid4())}).id) for _ in range(n)]


def _settled(hooks: Pipeline, answer: Answer = OK) -> None:
    hooks.receiver = lambda work: answer
    hooks.record(hooks.dispatch())


def test_an_endpoint_has_at_most_its_share_of_deliveries_leased_at_once(hooks: Pipeline) -> None:
    busy = hooks.endpoint(event_types=("message.sent",))
    other = hooks.endpoint(event_types=("domain.verified",))
    events = _threads(hooks, 50)
    for _ in range(5):
        hooks.append("domain.verified")

    assert hooks.publish() == MAX_IN_FLIGHT + 5

    sent = hooks.queue.take()
    assert [w.webhook_id for w in sent if w.endpoint_id == busy.id] == events[:MAX_IN_FLIGHT]
    assert len([w for w in sent if w.endpoint_id == other.id]) == 5
    assert hooks.publish() == 0
    hooks.world.clock.advance(LEASE)
    assert hooks.publish() == MAX_IN_FLIGHT + 5
    again = [w for w in hooks.queue.sent if w.endpoint_id == busy.id]
    assert [w.webhook_id for w in again] == events[:MAX_IN_FLIGHT]
    _settled(hooks)
    assert hooks.publish() == MAX_IN_FLIGHT
    assert [w.webhook_id for w in hooks.queue.take()] == events[MAX_IN_FLIGHT : 2 * MAX_IN_FLIGHT]


def test_a_test_goes_to_an_endpoint_at_its_share_of_leases(hooks: Pipeline) -> None:
    endpoint = hooks.endpoint()
    _threads(hooks, MAX_IN_FLIGHT + 1)
    hooks.publish()
    world = hooks.world
    with world.uow(world.organization_id) as work:
        _, test_id = work.webhook_log.add_test(
            world.organization_id, endpoint.id, world.clock.now()
        )

    assert hooks.publish(only=[test_id]) == 1
    assert hooks.queue.sent[-1].trigger == "test"
    assert hooks.publish() == 0


def test_a_named_delivery_waits_while_its_endpoint_has_its_share_of_leases(
    hooks: Pipeline,
) -> None:
    hooks.endpoint()
    _threads(hooks, MAX_IN_FLIGHT + 1)
    hooks.publish()
    [waiting] = [d for d in hooks.deliveries() if d.lease is None]

    assert hooks.publish(only=[waiting.id]) == 0
    assert waiting.next_attempt_at == hooks.world.clock.now()


# One publisher at a time.


def test_a_publish_returns_while_another_holds_the_right_throughout_and_named_ones_still_go(
    hooks: Pipeline,
) -> None:
    hooks.endpoint()
    hooks.append()
    hooks.append()
    first, second = hooks.deliveries()
    world = hooks.world

    with world.uow(None) as work, work.webhook_deliveries.publishing() as held:
        assert held
        assert hooks.publish() == 0
        assert hooks.publish(only=[second.id]) == 1
    assert first.lease is None
    assert hooks.publish() == 1
    assert [w.delivery_id for w in hooks.queue.sent] == [second.id, first.id]


def test_a_publish_turned_away_tries_again_and_publishes_once_the_holder_lets_go(
    hooks: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The holder made its last claim before this publisher committed, and lets go while
    it waits: what it committed does not wait for the sweep."""
    hooks.endpoint()
    hooks.append()
    tables = hooks.world.tables
    tables.publishing = True  # another function holds the right
    waits: list[float] = []

    def holder_lets_go(seconds: float) -> None:
        waits.append(seconds)
        tables.publishing = False

    monkeypatch.setattr(relay.time, "sleep", holder_lets_go)

    assert hooks.publish() == 1
    assert waits == [relay.LOCK_RETRY_SECONDS]
    assert not tables.publishing


def test_the_right_to_publish_is_let_go_when_the_queue_fails(hooks: Pipeline) -> None:
    hooks.endpoint()
    hooks.append()
    hooks.queue.refusing = True
    with pytest.raises(DeliveryError):
        hooks.publish()
    hooks.queue.refusing = False
    hooks.append()

    assert hooks.publish() == 1


def test_a_rotations_previous_secret_signs_until_its_grace_ends_then_is_dropped(
    hooks: Pipeline,
) -> None:
    now = hooks.world.clock.now()
    endpoint = hooks.endpoint(
        previous_secret_sealed=b"sealed-old", previous_secret_expires_at=now + timedelta(hours=1)
    )
    hooks.append()
    hooks.cycle()
    hooks.world.clock.advance(timedelta(hours=1))
    hooks.append()

    swept = hooks.sweep()

    [(_, during)] = hooks.attempts
    [after] = hooks.queue.sent
    old = base64.b64encode(b"sealed-old").decode()
    assert during.secrets[1:] == [old]
    assert old not in after.secrets
    assert swept.secrets_dropped == 1
    assert endpoint.previous_secret_sealed is None
    assert endpoint.previous_secret_expires_at is None


def test_a_send_the_queue_refused_goes_out_once_its_lease_ends(hooks: Pipeline) -> None:
    hooks.endpoint()
    hooks.append()
    hooks.queue.refusing = True
    with pytest.raises(DeliveryError):
        hooks.publish()
    hooks.queue.refusing = False

    assert hooks.sweep().published == 0
    hooks.world.clock.advance(LEASE)
    assert hooks.sweep().published == 1
    assert hooks.sweep().published == 0
    assert len(hooks.queue.sent) == 1


def test_the_sweep_publishes_everything_due_in_batches(hooks: Pipeline, world: World) -> None:
    hooks.endpoint()
    for _ in range(7):
        hooks.append()

    swept = sweep(world.uow, hooks.queue, world.clock, api_base_url="", batch=3)

    assert swept.published == 7
    assert len({w.delivery_id for w in hooks.queue.sent}) == 7


class RefusingFirst(InMemoryWebhookQueue):
    """Refuses its first send whole, and the second's first item; takes the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def send(self, work: Sequence[WebhookWork]) -> None:
        self.calls += 1
        if self.calls == 1:
            raise DeliveryError("the webhook queue could not take the work")
        if self.calls == 2:
            super().send(work[1:])
            raise NotQueued("one refused", queued=len(work) - 1, failed=1)
        super().send(work)


def test_the_sweep_goes_on_past_a_batch_the_queue_refused_and_counts_it(world: World) -> None:
    hooks = Pipeline(world, queue=RefusingFirst())
    hooks.endpoint()
    for _ in range(8):
        hooks.append()

    swept = sweep(world.uow, hooks.queue, world.clock, api_base_url="", batch=3)

    assert (swept.published, swept.not_queued) == (4, 4)
    queued = {w.delivery_id for w in hooks.queue.sent}
    assert len(queued) == 4
    hooks.record(hooks.dispatch())
    world.clock.advance(LEASE)
    assert hooks.sweep() == Swept(published=4, secrets_dropped=0, not_queued=0)
    assert {w.delivery_id for w in hooks.queue.sent} == {d.id for d in hooks.deliveries()} - queued


def test_the_sweep_makes_no_more_than_its_batches(hooks: Pipeline, world: World) -> None:
    hooks.endpoint()
    for _ in range(7):
        hooks.append()

    swept = sweep(world.uow, hooks.queue, world.clock, api_base_url="", batch=2, max_batches=2)

    assert swept.published == 4


def test_a_body_is_frozen_when_first_sent(hooks: Pipeline, world: World) -> None:
    hooks.endpoint()
    received = world.received(make_mail(body="First words"))
    hooks.receiver = lambda work: DOWN
    hooks.cycle()
    row = world.row(received.id)
    row.message = dataclasses.replace(row.message, extracted_text="Changed since")

    world.clock.advance(timedelta(minutes=1))
    hooks.cycle()

    (_, first), (_, retry) = hooks.attempts
    assert retry.body == first.body
    assert "First words" in first.body
    assert json.loads(first.body)["data"]["message"]["id"] == str(received.id)


# Reports: what an attempt's outcome does.


def _deliver_once(hooks: Pipeline, answer: Answer) -> list[ReportOutcome]:
    hooks.receiver = lambda work: answer
    return [r.outcome for r in hooks.cycle()]


def test_a_delivered_attempt_settles_the_delivery(hooks: Pipeline) -> None:
    endpoint = hooks.endpoint()
    hooks.append()

    assert _deliver_once(hooks, Answer(204)) == [ReportOutcome.RECORDED]

    [delivery] = hooks.deliveries()
    now = hooks.world.clock.now()
    assert (delivery.status, delivery.attempts, delivery.delivered_at) == ("delivered", 1, now)
    assert (delivery.lease, delivery.next_attempt_at, delivery.last_status_code) == (
        None,
        None,
        204,
    )
    assert endpoint.last_success_at == now
    [row] = hooks.world.tables.webhook_attempts.values()
    assert (row.delivery_id, row.attempt.status_code, row.attempt.outcome) == (
        delivery.id,
        204,
        "delivered",
    )


def test_a_failed_attempt_is_retried_after_the_schedules_first_wait(hooks: Pipeline) -> None:
    endpoint = hooks.endpoint()
    hooks.append()
    start = hooks.world.clock.now()

    _deliver_once(hooks, DOWN)

    [delivery] = hooks.deliveries()
    assert delivery.status == "pending"
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        1,
        500,
        "HTTP 500",
    )
    assert delivery.lease is None
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - start
    assert RETRY_DELAYS[0] * (1 - JITTER) <= wait <= RETRY_DELAYS[0] * (1 + JITTER)
    assert endpoint.failing_since == start


def test_a_success_clears_the_endpoints_failing_since(hooks: Pipeline) -> None:
    endpoint = hooks.endpoint()
    hooks.append()
    _deliver_once(hooks, DOWN)
    assert endpoint.failing_since is not None

    hooks.world.clock.advance(timedelta(minutes=1))
    _deliver_once(hooks, Answer(200))

    assert endpoint.failing_since is None
    assert endpoint.last_success_at == hooks.world.clock.now()


def test_retry_after_is_honoured_up_to_its_cap(hooks: Pipeline) -> None:
    hooks.endpoint()
    hooks.append()
    hooks.append()
    answers = iter([Answer(429, retry_after_seconds=600), Answer(503, retry_after_seconds=86400)])
    hooks.receiver = lambda work: next(answers)
    start = hooks.world.clock.now()

    hooks.cycle()

    polite, capped = hooks.deliveries()
    assert polite.next_attempt_at == start + timedelta(seconds=600)
    assert capped.next_attempt_at == start + MAX_RETRY_AFTER


def test_gone_fails_the_delivery_and_disables_the_endpoint_at_once(hooks: Pipeline) -> None:
    endpoint = hooks.endpoint(url="https://hooks.example.test/gone")
    watcher = hooks.endpoint()
    hooks.append()
    hooks.receiver = lambda work: Answer(410) if work.endpoint_id == endpoint.id else Answer(200)

    hooks.cycle()

    [delivery] = hooks.deliveries(endpoint)
    assert delivery.status == "failed"
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "gone")
    [disabled] = hooks.events(WEBHOOK_ENDPOINT_DISABLED)
    assert disabled.subject_id == endpoint.id
    assert disabled.payload == {
        "endpoint_id": str(endpoint.id),
        "url": "https://hooks.example.test/gone",
        "reason": "gone",
        "failing_since": None,
    }
    told = {d.endpoint_id for d in hooks.deliveries() if d.event_type == WEBHOOK_ENDPOINT_DISABLED}
    assert told == {watcher.id}


def test_a_report_under_an_old_lease_is_stored_and_changes_nothing(hooks: Pipeline) -> None:
    hooks.endpoint()
    hooks.append()
    hooks.publish()
    [old] = hooks.queue.take()
    hooks.world.clock.advance(LEASE)
    hooks.publish()
    [delivery] = hooks.deliveries()
    current = delivery.lease

    [late] = hooks.record([report_for(old, DOWN, hooks.world.clock.now())])

    assert late.outcome is ReportOutcome.STALE
    assert (delivery.status, delivery.attempts, delivery.lease) == ("pending", 0, current)
    assert len(hooks.world.tables.webhook_attempts) == 1
    [recorded] = hooks.record(hooks.dispatch())
    assert recorded.outcome is ReportOutcome.RECORDED
    assert delivery.status == "delivered"


def test_a_report_seen_twice_is_stored_and_counted_once(hooks: Pipeline) -> None:
    hooks.endpoint()
    hooks.append()
    hooks.publish()
    [report] = hooks.dispatch()

    first = hooks.record([report, report])
    again = hooks.record([report])

    assert [r.outcome for r in first + again] == [
        ReportOutcome.RECORDED,
        ReportOutcome.REPEATED,
        ReportOutcome.REPEATED,
    ]
    assert len(hooks.world.tables.webhook_attempts) == 1
    assert hooks.deliveries()[0].attempts == 1


def test_a_report_for_no_delivery_stores_nothing(hooks: Pipeline) -> None:
    hooks.endpoint()
    hooks.append()
    hooks.publish()
    [work] = hooks.queue.take()
    bogus = report_for(
        work.model_copy(update={"delivery_id": uuid4()}), DOWN, hooks.world.clock.now()
    )

    assert [r.outcome for r in hooks.record([bogus])] == [ReportOutcome.REPEATED]
    assert hooks.world.tables.webhook_attempts == {}


def test_a_failed_manual_retry_fails_without_an_exhaustion_event(hooks: Pipeline) -> None:
    endpoint = hooks.endpoint()
    hooks.append()
    [delivery] = hooks.deliveries()
    delivery.automatic = False

    _deliver_once(hooks, DOWN)

    assert [w.trigger for _, w in hooks.attempts] == ["manual"]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 1, None)
    assert delivery.failed_at == hooks.world.clock.now()
    assert hooks.events(WEBHOOK_DELIVERY_EXHAUSTED) == []
    assert endpoint.failing_since is not None


def test_a_failed_test_delivery_fails_and_leaves_the_endpoints_health_alone(
    hooks: Pipeline,
) -> None:
    endpoint = hooks.endpoint()
    hooks.append()
    [delivery] = hooks.deliveries()
    delivery.test = True

    _deliver_once(hooks, DOWN)

    assert [w.trigger for _, w in hooks.attempts] == ["test"]
    assert delivery.status == "failed"
    assert endpoint.failing_since is None
    assert hooks.events(WEBHOOK_DELIVERY_EXHAUSTED) == []


def test_a_report_keeps_no_nul_and_no_more_than_is_kept_of_the_answer(hooks: Pipeline) -> None:
    hooks.endpoint()
    hooks.append()
    hooks.publish()
    [work] = hooks.queue.take()
    report = report_for(work, DOWN, hooks.world.clock.now()).model_copy(
        update={"response_body": "a\x00b" + "x" * 10_000, "error": "e\x00" * 5000}
    )

    hooks.record([report])

    [attempt] = [row.attempt for row in hooks.world.tables.webhook_attempts.values()]
    assert attempt.response_body.startswith("a\ufffdb")
    assert len(attempt.response_body) == 4096
    assert attempt.error is not None
    assert "\x00" not in attempt.error
    assert len(attempt.error) == 1000


# The schedule, to its end.


def _run_until_settled(hooks: Pipeline, limit: timedelta) -> None:
    """Attempt what is due, then move the clock to the next due time, until nothing is due
    or `limit` has passed."""
    end = hooks.world.clock.now() + limit
    while True:
        hooks.cycle()
        due = hooks.next_due()
        if due is None or due > end:
            return
        hooks.world.clock.at = max(due, hooks.world.clock.now())


def test_a_failing_delivery_is_retried_on_schedule_then_fails_with_an_event(
    hooks: Pipeline,
) -> None:
    endpoint = hooks.endpoint()
    hooks.append("message.sent", {"thread_id": THREAD})
    hooks.receiver = lambda work: DOWN

    _run_until_settled(hooks, timedelta(days=3))

    times = [at for at, _ in hooks.attempts]
    assert len(times) == len(RETRY_DELAYS) + 1 == 8
    for wait, expected in zip(
        [b - a for a, b in itertools.pairwise(times)], RETRY_DELAYS, strict=True
    ):
        assert expected * (1 - JITTER) <= wait <= expected * (1 + JITTER)
    assert timedelta(hours=21) < times[-1] - times[0] < timedelta(hours=33)
    [delivery] = hooks.deliveries(endpoint)
    assert (delivery.status, delivery.attempts) == ("failed", 8)
    [exhausted] = hooks.events(WEBHOOK_DELIVERY_EXHAUSTED)
    assert exhausted.subject_id == endpoint.id
    assert exhausted.payload == {
        "endpoint_id": str(endpoint.id),
        "delivery_id": str(delivery.id),
        "event_id": str(delivery.event_id),
        "event_type": "message.sent",
        "attempts": 8,
        "last_status_code": 500,
        "last_error": "HTTP 500",
    }
    entry(WEBHOOK_DELIVERY_EXHAUSTED).payload.model_validate(exhausted.payload)
    assert endpoint.enabled
    hooks.world.clock.advance(timedelta(days=1))
    assert hooks.sweep().published == 0


def test_a_webhook_event_delivery_exhausts_silently_and_leaves_health_alone(
    hooks: Pipeline,
) -> None:
    watcher = hooks.endpoint()
    other = hooks.endpoint(enabled=False)
    hooks.append(WEBHOOK_DELIVERY_EXHAUSTED, {"endpoint_id": str(other.id)}, subject_id=other.id)
    hooks.receiver = lambda work: DOWN

    _run_until_settled(hooks, timedelta(days=3))

    [delivery] = hooks.deliveries(watcher)
    assert (delivery.status, delivery.attempts) == ("failed", len(RETRY_DELAYS) + 1)
    assert len(hooks.events(WEBHOOK_DELIVERY_EXHAUSTED)) == 1
    assert watcher.failing_since is None


def test_a_webhook_event_delivered_leaves_a_failing_endpoint_failing(hooks: Pipeline) -> None:
    since = hooks.world.clock.now() - timedelta(days=1)
    watcher = hooks.endpoint(failing_since=since)
    other = hooks.endpoint(enabled=False)
    hooks.append(WEBHOOK_ENDPOINT_DISABLED, {"endpoint_id": str(other.id)}, subject_id=other.id)

    _deliver_once(hooks, OK)

    assert hooks.deliveries(watcher)[0].status == "delivered"
    assert (watcher.failing_since, watcher.last_success_at) == (since, None)


def test_endpoints_failing_together_tell_each_other_of_an_exhaustion_once(
    hooks: Pipeline,
) -> None:
    first, second = hooks.endpoint(), hooks.endpoint()
    hooks.append("message.sent", {"thread_id": THREAD})
    hooks.receiver = lambda work: DOWN

    _run_until_settled(hooks, timedelta(days=4))

    exhausted = hooks.events(WEBHOOK_DELIVERY_EXHAUSTED)
    assert sorted(e.subject_id for e in exhausted) == sorted([first.id, second.id])
    told = [d for d in hooks.deliveries() if d.event_type == WEBHOOK_DELIVERY_EXHAUSTED]
    assert len(told) == 2
    assert {d.status for d in told} == {"failed"}
    assert hooks.next_due() is None


def test_an_endpoint_failing_for_five_days_is_disabled(hooks: Pipeline) -> None:
    endpoint = hooks.endpoint(url="https://hooks.example.test/down")
    watcher = hooks.endpoint(event_types=(WEBHOOK_ENDPOINT_DISABLED,))
    hooks.receiver = lambda work: DOWN if work.endpoint_id == endpoint.id else Answer(200)
    clock = hooks.world.clock
    start = next_event = clock.now()

    while endpoint.enabled and clock.now() < start + timedelta(days=7):
        if clock.now() >= next_event:
            hooks.append()
            next_event += timedelta(hours=12)
        hooks.cycle()
        clock.at = max(clock.now(), min(next_event, hooks.next_due() or next_event))
    hooks.cycle()

    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "failing")
    assert endpoint.disabled_at is not None
    assert start + FAILING_DISABLES_AFTER <= endpoint.disabled_at
    assert endpoint.disabled_at < start + FAILING_DISABLES_AFTER + timedelta(hours=12)
    [disabled] = hooks.events(WEBHOOK_ENDPOINT_DISABLED)
    assert disabled.payload["reason"] == "failing"
    assert datetime.fromisoformat(disabled.payload["failing_since"]) == start
    entry(WEBHOOK_ENDPOINT_DISABLED).payload.model_validate(disabled.payload)
    assert [w.webhook_id for _, w in hooks.attempts if w.endpoint_id == watcher.id] == [
        str(disabled.id)
    ]
    before = len(hooks.deliveries(endpoint))
    hooks.append()
    assert len(hooks.deliveries(endpoint)) == before
