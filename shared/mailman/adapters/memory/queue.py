"""`InMemoryQueue`: the `Queue` port as a list of the jobs it took."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mailman.domain.errors import DeliveryError


@dataclass(frozen=True)
class QueuedJob:
    body: dict[str, object]
    delay_seconds: int


class InMemoryQueue:
    """Takes every job, or (`refusing`) none, raising the transient error the SQS adapter
    raises when the queue cannot take them."""

    def __init__(self) -> None:
        self.jobs: list[QueuedJob] = []
        self.refusing = False

    def send(self, bodies: Sequence[Mapping[str, object]], *, delay_seconds: int = 0) -> None:
        if self.refusing:
            raise DeliveryError("the queue could not take the jobs", transient=True)
        self.jobs.extend(QueuedJob(dict(body), delay_seconds) for body in bodies)

    @property
    def bodies(self) -> list[dict[str, object]]:
        return [job.body for job in self.jobs]
