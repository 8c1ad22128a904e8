"""Receiving: the inbound function, taking SES's notifications off the inbound queue.

It reads what the receipt rule stored under `raw/incoming/`, writes the message's own raw
copy under `raw/` and its attachments under `attachments/`, and stores the rest in
PostgreSQL.
"""

from __future__ import annotations

from aws_cdk import CfnElement, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.functions import FunctionDefaults, ServiceFunction
from stacks.nag import acknowledge
from stacks.queues import WorkQueue
from stacks.storage import ATTACHMENTS_PREFIX, RAW_PREFIX
from stacks.workers import Workers


class Receiving(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        defaults: FunctionDefaults,
        bucket: s3.IBucket,
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
            environment={"BUCKET_NAME": bucket.bucket_name},
        )
        iam.Grant.add_to_principal(
            grantee=self.function.function,
            actions=["s3:GetObject", "s3:PutObject"],
            resource_arns=[
                bucket.arn_for_objects(f"{prefix}*") for prefix in (RAW_PREFIX, ATTACHMENTS_PREFIX)
            ],
        )
        stack = Stack.of(self)
        bucket_resource = bucket.node.default_child
        assert isinstance(bucket_resource, CfnElement)
        bucket_arn = f"<{stack.get_logical_id(bucket_resource)}.Arn>"
        for prefix in (RAW_PREFIX, ATTACHMENTS_PREFIX):
            acknowledge(
                self.function,
                f"AwsSolutions-IAM5[Resource::{bucket_arn}/{prefix}*]",
                "Each message's raw copy and attachments get keys of their own at run time;"
                " the function may only read and write objects under these two prefixes",
            )
        workers.consume(queue, self.function.function)
