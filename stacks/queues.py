"""The work queues between the flows, each with its dead-letter queue.

A queue's visibility timeout is six times its consumer's timeout (from the settings), so a
message is not handed to a second consumer while the first may still be working on it.
`webhooks.fifo` keeps the deliveries of one thread in order (message group = thread); the
producer gives each message its deduplication id. `WebhookReports` carries the dispatcher's
report of each attempt back to the database side (a standard queue: each report names the
claim it answers, and a report under an older claim changes nothing, so order does not matter).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import ConsumerSettings, StageSettings

DEAD_LETTER_RETENTION = Duration.days(14)


@dataclass(frozen=True)
class WorkQueue:
    """A queue, where its failures go, and how its consumer must run."""

    name: str
    queue: sqs.Queue
    dead_letter_queue: sqs.Queue
    consumer: ConsumerSettings


class Queues(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: StageSettings) -> None:
        super().__init__(scope, construct_id)
        consumers = settings.queues
        self.inbound = self._work_queue("Inbound", consumers.inbound, fifo=False)
        self.outbound = self._work_queue("Outbound", consumers.outbound, fifo=False)
        self.telemetry = self._work_queue("Telemetry", consumers.telemetry, fifo=False)
        self.webhooks = self._work_queue("Webhooks", consumers.webhooks, fifo=True)
        self.webhook_reports = self._work_queue(
            "WebhookReports", consumers.webhook_reports, fifo=False
        )

    @property
    def all(self) -> tuple[WorkQueue, ...]:
        return (self.inbound, self.outbound, self.telemetry, self.webhooks, self.webhook_reports)

    def _work_queue(self, name: str, consumer: ConsumerSettings, *, fifo: bool) -> WorkQueue:
        dead_letter_queue = sqs.Queue(
            self,
            f"{name}DeadLetters",
            fifo=fifo or None,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DEAD_LETTER_RETENTION,
        )
        queue = sqs.Queue(
            self,
            name,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(consumer.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=dead_letter_queue, max_receive_count=consumer.max_receive_count
            ),
            fifo=fifo or None,
            content_based_deduplication=False if fifo else None,
            # Many threads, each in order: FIFO throughput scales with the message groups.
            deduplication_scope=sqs.DeduplicationScope.MESSAGE_GROUP if fifo else None,
            fifo_throughput_limit=sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID if fifo else None,
        )
        return WorkQueue(
            name=name, queue=queue, dead_letter_queue=dead_letter_queue, consumer=consumer
        )
