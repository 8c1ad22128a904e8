"""Webhooks: the dispatcher outside the VPC, the recorder of its reports and the sweep inside
it, and the KMS key that seals the endpoints' signing secrets.

The dispatcher is the one function that connects to addresses a customer chose, so it runs
outside the VPC: it has no network interface in the private subnets, no route to the
database, its proxy or the VPC endpoints, no database address in its environment and no right
to read the database secret. The SSRF rules (`mailman.domain.webhook_targets`, at creation and
again at every connect) refuse private destinations; should one slip past them, there is still
nothing private to reach from where the dispatcher runs. Lambda outside a VPC has internet
egress of its own, so no NAT gateway is paid for either. It takes everything one attempt needs
from `webhooks.fifo` (the secrets still sealed) and reports each outcome on the reports queue;
the recorder, in the VPC, writes it to PostgreSQL, and the sweep, in the VPC once a minute,
puts the deliveries whose retry is due back on `webhooks.fifo`.

Every function that appends to the event log (`producers`) may queue on `webhooks.fifo` and
knows the API's address for the links a webhook carries.

Secrets are sealed with KMS data keys, every one bound to the encryption context
`purpose=mailman-webhook-secret` (`mailman.adapters.secret_box`): the API asks for a data key
to seal a new secret (`kms:GenerateDataKey`) and the dispatcher asks KMS to unwrap it
(`kms:Decrypt`), each allowed that one action on this key with that context and nothing else.
The API runs in the VPC, so it reaches KMS through an interface endpoint whose policy lets
nothing through but that call. (An asymmetric key would have let the API seal with the public
key and no endpoint, but asymmetric KMS keys neither rotate nor take an encryption context.)
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.api import Api
from stacks.config import ConsumerSettings, StageSettings
from stacks.functions import FunctionDefaults, ServiceFunction
from stacks.network import Network
from stacks.queues import Queues
from stacks.workers import Workers

ENCRYPTION_CONTEXT = {"purpose": "mailman-webhook-secret"}
"""What every data key of a webhook secret is bound to (the secret box's own constant, which
the CDK app may not import; a test holds the two together)."""
SWEEP_TIMEOUT = Duration.seconds(50)
"""Under the one-minute schedule, so runs do not pile up."""
ATTEMPT_SECONDS = 15
"""The longest one attempt takes, opening the secrets, the lookup and the exchange together
(`mailman.domain.webhooks.ATTEMPT_TIMEOUT_SECONDS`)."""
LEASE_SECONDS = 300
"""How long a claimed delivery waits for its report before the sweep sends it again
(`mailman.domain.webhooks.LEASE`)."""
BATCH_MARGIN_SECONDS = 20
"""Besides the attempts: sending the reports. It holds what the dispatcher keeps for them
(`mailman.services.webhooks.dispatch.REPORTING_SECONDS`: a group starts no item with less
than an attempt and that left), so a batch this timeout covers is never cut short."""


def check_dispatcher_timeout(consumer: ConsumerSettings) -> None:
    """The dispatcher must outlast a batch that is one slow receiver's thread (its items are
    attempted in order, each up to `ATTEMPT_SECONDS`), and report before the lease runs out;
    ValueError otherwise."""
    needed = consumer.batch_size * ATTEMPT_SECONDS + BATCH_MARGIN_SECONDS
    if not needed <= consumer.timeout_seconds < LEASE_SECONDS:
        raise ValueError(
            f"queues.webhooks.timeout_seconds must be at least {needed} (batch_size"
            f" {consumer.batch_size} x {ATTEMPT_SECONDS}s + {BATCH_MARGIN_SECONDS}s) and under"
            f" the {LEASE_SECONDS}s lease"
        )


def _context_condition() -> dict[str, dict[str, str]]:
    return {
        "StringEquals": {
            f"kms:EncryptionContext:{name}": value for name, value in ENCRYPTION_CONTEXT.items()
        }
    }


class Webhooks(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        defaults: FunctionDefaults,
        network: Network,
        queues: Queues,
        workers: Workers,
        api: Api,
        producers: Sequence[ServiceFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        self._queues = queues
        self._api_url = api.base_url
        self.key = kms.Key(
            self,
            "SecretsKey",
            description="Mailman: seals webhook signing secrets (envelope data keys)",
            alias=f"alias/{settings.resource_name}-webhook-secrets",
            enable_key_rotation=True,
            # Database snapshots outlive the stack, and their sealed secrets need the key.
            removal_policy=RemovalPolicy.RETAIN,
        )
        key_env = {"WEBHOOK_KMS_KEY_ID": self.key.key_arn}

        dispatch = queues.webhooks
        reports = queues.webhook_reports
        check_dispatcher_timeout(dispatch.consumer)
        self.dispatcher = ServiceFunction(
            self,
            "Dispatcher",
            name="webhooks",
            defaults=defaults,
            description="Mailman: delivers webhooks to customers' endpoints (outside the VPC)",
            timeout=Duration.seconds(dispatch.consumer.timeout_seconds),
            memory_size=dispatch.consumer.memory_mb,
            environment={"WEBHOOK_REPORTS_QUEUE_URL": reports.queue.queue_url, **key_env},
            in_vpc=False,
        )
        self._allow(self.dispatcher.function, "kms:Decrypt")
        reports.queue.grant_send_messages(self.dispatcher.function)
        workers.consume(dispatch, self.dispatcher.function)

        self.recorder = ServiceFunction(
            self,
            "Recorder",
            name="webhook_reports",
            defaults=defaults,
            description="Mailman: records the webhook dispatcher's attempts",
            timeout=Duration.seconds(reports.consumer.timeout_seconds),
            memory_size=reports.consumer.memory_mb,
        )
        workers.consume(reports, self.recorder.function)

        self.sweep = ServiceFunction(
            self,
            "Sweep",
            name="webhook_sweep",
            defaults=defaults,
            description="Mailman: re-queues the webhook deliveries that are due",
            timeout=SWEEP_TIMEOUT,
            memory_size=512,
        )
        self.schedule = workers.schedule_webhook_sweep(self.sweep.function)

        for producer in (*producers, self.recorder, self.sweep):
            self._produce(producer.function)

        # The API seals new secrets, from inside the VPC.
        for name, value in key_env.items():
            api.function.function.add_environment(name, value)
        self._allow(api.function.function, "kms:GenerateDataKey")
        self.kms_endpoint = network.add_interface_endpoint(
            "Kms", ec2.InterfaceVpcEndpointAwsService.KMS
        )
        self.kms_endpoint.add_to_policy(
            iam.PolicyStatement(
                principals=[iam.AnyPrincipal()],
                actions=["kms:GenerateDataKey"],
                resources=[self.key.key_arn],
                conditions=_context_condition(),
            )
        )

    def _produce(self, function: lambda_.Function) -> None:
        """Let `function` queue work on `webhooks.fifo` and build links to the API."""
        function.add_environment("WEBHOOK_QUEUE_URL", self._queues.webhooks.queue.queue_url)
        function.add_environment("API_BASE_URL", self._api_url)
        self._queues.webhooks.queue.grant_send_messages(function)

    def _allow(self, function: lambda_.Function, action: str) -> None:
        """`action` on the key, for data keys of webhook secrets only."""
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=[action], resources=[self.key.key_arn], conditions=_context_condition()
            )
        )
