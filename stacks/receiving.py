"""Receiving: the inbound function, taking SES's notifications off the inbound queue.

It reads what the receipt rule stored under `raw/incoming/`, writes the message's own raw
copy under `raw/` and its attachments under `attachments/`, and stores the rest in
PostgreSQL.
"""

from __future__ import annotations

from aws_cdk import Duration
from constructs import Construct

from stacks.functions import FunctionDefaults, ServiceFunction
from stacks.queues import WorkQueue
from stacks.storage import Storage
from stacks.workers import Workers


class Receiving(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        defaults: FunctionDefaults,
        storage: Storage,
        queue: WorkQueue,
        workers: Workers,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = ServiceFunction(
            self,
            "Handler",
            name="inbound",
            defaults=defaults,
            description="Mailman: receives the mail SES stored, into inboxes",
            timeout=Duration.seconds(queue.consumer.timeout_seconds),
            memory_size=queue.consumer.memory_mb,
            environment={"BUCKET_NAME": storage.bucket.bucket_name},
        )
        storage.grant_objects(
            self.function.function,
            ["s3:GetObject", "s3:PutObject"],
            "Each message's raw copy and attachments get keys of their own at run time;"
            " the function may only read and write objects under these two prefixes",
        )
        workers.consume(queue, self.function.function)
