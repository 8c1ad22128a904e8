"""Sending: the outbound function on the outbound queue, the dispatcher on its schedule, and
the telemetry function on the configuration set's events.

The API stores a message and queues its id; the outbound function builds the MIME and
hands it to SES v2 (raw, through the configuration set); the dispatcher, once a minute,
queues scheduled mail as it falls due and anything the API could not queue; the telemetry
function records SES's Send events, which confirm hand-offs whose recording was lost.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.functions import FunctionDefaults, ServiceFunction
from stacks.mail import Ses
from stacks.nag import acknowledge
from stacks.queues import Queues
from stacks.storage import Storage
from stacks.workers import Workers

DISPATCHER_TIMEOUT = Duration.seconds(50)
"""Under the one-minute schedule, so runs do not pile up."""


class OutboundMail(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        defaults: FunctionDefaults,
        storage: Storage,
        queues: Queues,
        mail: Ses,
        workers: Workers,
        api: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        outbound_queue = queues.outbound.queue
        queue_env = {"OUTBOUND_QUEUE_URL": outbound_queue.queue_url}
        self.outbound = ServiceFunction(
            self,
            "Outbound",
            name="outbound",
            defaults=defaults,
            description="Mailman: builds outgoing mail and hands it to SES",
            timeout=Duration.seconds(queues.outbound.consumer.timeout_seconds),
            memory_size=queues.outbound.consumer.memory_mb,
            environment={
                **queue_env,
                "BUCKET_NAME": storage.bucket.bucket_name,
                "SES_CONFIGURATION_SET": mail.configuration_set_name,
            },
        )
        storage.grant_objects(
            self.outbound.function,
            ["s3:GetObject", "s3:PutObject"],
            "The function reads each message's attachments and keeps its raw copy, under keys"
            " made per message at run time",
        )
        self._grant_sending(self.outbound.function, mail)
        workers.consume(queues.outbound, self.outbound.function)

        self.dispatcher = ServiceFunction(
            self,
            "Dispatcher",
            name="dispatcher",
            defaults=defaults,
            description="Mailman: queues scheduled and unqueued outgoing mail, settles hand-offs",
            timeout=DISPATCHER_TIMEOUT,
            memory_size=512,
            environment={**queue_env, "BUCKET_NAME": storage.bucket.bucket_name},
        )
        outbound_queue.grant_send_messages(self.dispatcher.function)
        # It erases mail marked for erasure and trash past its retention.
        storage.grant_objects(
            self.dispatcher.function,
            ["s3:DeleteObject"],
            "The dispatcher erases mail in trash: its raw copy and attachments, under keys made"
            " per message",
        )
        storage.grant_existence_checks(self.dispatcher.function)
        self.schedule = workers.schedule_dispatcher(self.dispatcher.function)

        self.telemetry = ServiceFunction(
            self,
            "Telemetry",
            name="telemetry",
            defaults=defaults,
            description="Mailman: records SES's sending events",
            timeout=Duration.seconds(queues.telemetry.consumer.timeout_seconds),
            memory_size=queues.telemetry.consumer.memory_mb,
        )
        workers.consume(queues.telemetry, self.telemetry.function)

        api.add_environment("OUTBOUND_QUEUE_URL", outbound_queue.queue_url)
        outbound_queue.grant_send_messages(api)

    @staticmethod
    def _grant_sending(grantee: lambda_.Function, mail: Ses) -> None:
        """SES v2 SendEmail from any of the account's identities, through the stack's
        configuration set only."""
        stack = Stack.of(grantee)
        arn = f"arn:{stack.partition}:ses:{stack.region}:{stack.account}"
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ses:SendEmail", "ses:SendRawEmail"],
            resource_arns=[
                f"{arn}:identity/*",
                f"{arn}:configuration-set/{mail.configuration_set_name}",
            ],
        )
        acknowledge(
            grantee,
            f"AwsSolutions-IAM5[Resource::arn:{stack.partition}:ses:{stack.region}"
            ":<AWS::AccountId>:identity/*]",
            "Customers' domains are SES identities made at run time; the function may only"
            " send from them",
        )
