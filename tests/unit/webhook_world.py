"""The webhook pipeline in memory: endpoints written straight into the tables, events
appended to the log, the relay and the sweep over a fake `webhooks.fifo`, and a simulated
dispatcher that answers each piece of work as a receiver told it to."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from mailman.adapters.memory.webhook_queue import InMemoryWebhookQueue
from mailman.adapters.memory.webhook_rows import WebhookDeliveryRow, WebhookEndpointRow
from mailman.domain.events import Event, NewEvent
from mailman.domain.webhook_work import AttemptReport, WebhookWork
from mailman.domain.webhooks import Outcome
from mailman.services.webhooks import Recorded, Swept, publish_due, record_reports, sweep

from .world import World

API = "https://api.example.test/v1"


@dataclass(frozen=True)
class Answer:
    """What the simulated receiver answers one attempt."""

    status_code: int | None
    retry_after_seconds: int | None = None

    @property
    def outcome(self) -> Outcome:
        if self.status_code is not None and 200 <= self.status_code < 300:
            return Outcome.DELIVERED
        return Outcome.GONE if self.status_code == 410 else Outcome.FAILED


OK = Answer(200)
DOWN = Answer(500)


@dataclass
class Pipeline:
    """The world's webhook pipeline; `receiver` answers every attempt (by default 200)."""

    world: World
    queue: InMemoryWebhookQueue = field(default_factory=InMemoryWebhookQueue)
    receiver: Callable[[WebhookWork], Answer] = lambda work: OK
    rng: random.Random = field(default_factory=lambda: random.Random(20))
    attempts: list[tuple[datetime, WebhookWork]] = field(default_factory=list)

    def endpoint(self, organization_id: UUID | None = None, **columns: Any) -> WebhookEndpointRow:
        now = self.world.clock.now()
        values: dict[str, Any] = {
            "url": f"https://hooks.example.test/{len(self.tables)}",
            "event_types": (),
            "inbox_ids": (),
            "description": None,
            "enabled": True,
            "secret_sealed": b"sealed-current",
            **columns,
        }
        row = WebhookEndpointRow(
            id=uuid4(),
            organization_id=organization_id or self.world.organization_id,
            created_at=now,
            updated_at=now,
            **values,
        )
        self.world.tables.webhook_endpoints[row.id] = row
        return row

    @property
    def tables(self) -> dict[UUID, WebhookEndpointRow]:
        return self.world.tables.webhook_endpoints

    def append(
        self,
        type_: str = "domain.verified",
        payload: dict[str, object] | None = None,
        *,
        subject_id: UUID | None = None,
        organization_id: UUID | None = None,
    ) -> Event:
        organization = organization_id or self.world.organization_id
        with self.world.uow(organization) as work:
            work.events.append(
                NewEvent(
                    organization,
                    type=type_,
                    subject_id=subject_id,
                    dedup_key=str(uuid4()),
                    payload=payload or {},
                )
            )
        return self.world.tables.events[-1].event

    def deliveries(self, endpoint: WebhookEndpointRow | None = None) -> list[WebhookDeliveryRow]:
        rows = self.world.tables.webhook_deliveries.values()
        return [d for d in rows if endpoint is None or d.endpoint_id == endpoint.id]

    def events(self, type_: str) -> list[Event]:
        return [e.event for e in self.world.tables.events if e.event.type == type_]

    def publish(self, **kwargs: Any) -> int:
        return publish_due(self.world.uow, self.queue, self.world.clock, api_base_url=API, **kwargs)

    def sweep(self) -> Swept:
        return sweep(self.world.uow, self.queue, self.world.clock, api_base_url=API)

    def dispatch(self) -> list[AttemptReport]:
        """Attempt every piece of work queued, now; answers the reports."""
        reports = []
        for work in self.queue.take():
            self.attempts.append((self.world.clock.now(), work))
            answer = self.receiver(work)
            reports.append(report_for(work, answer, self.world.clock.now()))
        return reports

    def record(self, reports: list[AttemptReport]) -> list[Recorded]:
        return record_reports(self.world.uow, reports, self.world.clock, rng=self.rng)

    def cycle(self) -> list[Recorded]:
        """One turn: the sweep queues what is due, the dispatcher attempts it, the reports
        are recorded."""
        self.sweep()
        return self.record(self.dispatch())

    def next_due(self) -> datetime | None:
        due = [
            d.next_attempt_at
            for d in self.deliveries()
            if d.status == "pending"
            and d.next_attempt_at is not None
            and self.tables[d.endpoint_id].enabled
            and self.tables[d.endpoint_id].deleted_at is None
        ]
        return min(due, default=None)


def report_for(work: WebhookWork, answer: Answer, at: datetime) -> AttemptReport:
    return AttemptReport(
        attempt_id=uuid4(),
        delivery_id=work.delivery_id,
        organization_id=work.organization_id,
        endpoint_id=work.endpoint_id,
        lease=work.lease,
        trigger=work.trigger,
        attempted_at=at,
        latency_ms=12,
        status_code=answer.status_code,
        error=None if answer.outcome is Outcome.DELIVERED else f"HTTP {answer.status_code}",
        response_body="nope",
        retry_after_seconds=answer.retry_after_seconds,
        outcome=answer.outcome,
    )
