"""`InMemoryQueue`: the `Queue` port as a list of the jobs it took, and of the received jobs
it was asked to bring back later."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
        self.retries: list[tuple[str, int]] = []
        """(receipt handle, seconds) of each `retry_later`, in order."""
        self.refusing = False

    def send(self, bodies: Sequence[Mapping[str, object]], *, delay_seconds: int = 0) -> None:
        if self.refusing:
            raise DeliveryError("the queue could not take the jobs", transient=True)
        self.jobs.extend(QueuedJob(dict(body), delay_seconds) for body in bodies)

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        self.retries.append((receipt_handle, seconds))

    @property
    def bodies(self) -> list[dict[str, object]]:
        return [job.body for job in self.jobs]


if TYPE_CHECKING:
    from mailman.ports import Queue

    _conforms: type[Queue] = InMemoryQueue
