"""The Mailman stack: one construct per capability, composed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Environment, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from layers.build import DEFAULT_OUT
from stacks.api import Api
from stacks.config import StageSettings, load_settings
from stacks.database import AuroraDatabase
from stacks.functions import FunctionDefaults, ServiceFunction
from stacks.layers import Layers
from stacks.mail import Ses
from stacks.migrations import Migrations
from stacks.network import Network
from stacks.observability import Observability
from stacks.queues import Queues
from stacks.receiving import Receiving
from stacks.scanning import Scanning
from stacks.sending import OutboundMail
from stacks.storage import Storage
from stacks.verification import DomainVerification
from stacks.webhooks import Webhooks
from stacks.workers import Workers


class MailmanStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        layers_dir: Path,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope, construct_id, description="Mailman: email for applications and agents", **kwargs
        )
        self.network = Network(self, "Network", settings=settings)
        self.storage = Storage(self, "Storage", settings=settings)
        self.queues = Queues(self, "Queues", settings=settings)
        self.database = AuroraDatabase(self, "Database", settings=settings, network=self.network)
        self.layers = Layers(self, "Layers", directory=layers_dir)
        self.function_defaults = FunctionDefaults(
            settings=settings,
            layers=self.layers.all,
            vpc=self.network.vpc,
            security_group=self.network.functions_security_group,
            database=self.database,
        )
        self.migrations = Migrations(
            self, "Migrations", defaults=self.function_defaults, database=self.database
        )
        self.mail = Ses(
            self,
            "Mail",
            settings=settings,
            bucket=self.storage.bucket,
            inbound=self.queues.inbound.queue,
            telemetry=self.queues.telemetry.queue,
        )
        self.api = Api(
            self,
            "Api",
            settings=settings,
            defaults=self.function_defaults,
            storage=self.storage,
            mail=self.mail,
        )
        self.workers = Workers(self, "Workers", settings=settings)
        self.receiving = Receiving(
            self,
            "Receiving",
            defaults=self.function_defaults,
            storage=self.storage,
            queue=self.queues.inbound,
            workers=self.workers,
        )
        self.scanning = (
            Scanning(
                self,
                "Scanning",
                settings=settings,
                network=self.network,
                inbound=self.receiving.function,
            )
            if settings.scanning.enabled
            else None
        )
        self.sending = OutboundMail(
            self,
            "Sending",
            defaults=self.function_defaults,
            storage=self.storage,
            queues=self.queues,
            mail=self.mail,
            workers=self.workers,
            api=self.api.function.function,
        )
        self.verification = DomainVerification(
            self,
            "DomainVerification",
            defaults=self.function_defaults,
            mail=self.mail,
            workers=self.workers,
        )
        self.webhooks = Webhooks(
            self,
            "Webhooks",
            settings=settings,
            defaults=self.function_defaults,
            network=self.network,
            queues=self.queues,
            workers=self.workers,
            api=self.api,
            # Everything that appends to the event log; the migrations append nothing.
            producers=[
                self.api.function,
                self.receiving.function,
                self.sending.outbound,
                self.sending.dispatcher,
                self.sending.telemetry,
                self.verification.function,
            ],
        )
        # Last: it watches every function the capabilities above have added.
        self.observability = Observability(
            self,
            "Observability",
            settings=settings,
            functions=[c for c in self.node.find_all() if isinstance(c, ServiceFunction)],
            queues=self.queues,
            rest_api=self.api.rest_api,
            database=self.database,
            scanning=self.scanning,
        )

        CfnOutput(self, "BucketName", value=self.storage.bucket.bucket_name)
        CfnOutput(
            self, "ConfigurationSetName", value=self.mail.configuration_set.configuration_set_name
        )
        CfnOutput(
            self,
            "ActivateReceiptRuleSet",
            description="Run once: makes this stack's receipt rule set the active one",
            value=(
                f"aws ses set-active-receipt-rule-set --region {settings.region}"
                f" --rule-set-name {self.mail.rule_set_name}"
            ),
        )


def build_stack(scope: Construct) -> MailmanStack:
    """Add the stack of the stage the context selects to `scope`, checked by cdk-nag.

    The layers come from where `layers/build.py` puts them, or from the `layers_dir` context.
    """
    settings = load_settings(scope.node)
    layers_dir = Path(str(scope.node.try_get_context("layers_dir") or DEFAULT_OUT))
    stack = MailmanStack(
        scope,
        settings.stack_name,
        settings=settings,
        layers_dir=layers_dir,
        env=Environment(account=settings.account, region=settings.region),
    )
    Validations.of(scope).add_plugins(AwsSolutionsChecks(scope, verbose=True))
    return stack
