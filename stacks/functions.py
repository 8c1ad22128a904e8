"""`ServiceFunction`: every Mailman Lambda, with the defaults they all share.

A function is one subdirectory of `functions/` (`functions/<name>/handler.py`, function
`handler`). Its code asset is the `functions` package filtered to that subdirectory and the
runtime the functions share (`functions/runtime.py`), so the handler is
`functions.<name>.handler.handler`, the module path the tests and the local platform import.
The `shared/` code and the third-party packages come from the layers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, IgnoreMode, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import StageSettings
from stacks.database import AuroraDatabase
from stacks.layers import ARCHITECTURE, RUNTIME
from stacks.nag import acknowledge
from stacks.network import SUBNETS

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
METRICS_NAMESPACE = "Mailman"
SYSTEM_LOG_LEVEL = lambda_.SystemLogLevel.WARN


def function_code(name: str) -> lambda_.Code:
    """The repository with nothing but `functions/`'s `__init__.py`, `runtime.py` and
    `<name>/` (and no bytecode)."""
    return lambda_.Code.from_asset(
        str(ROOT),
        ignore_mode=IgnoreMode.GIT,
        exclude=[
            "/*",
            "!/functions/",
            "/functions/*",
            "!/functions/__init__.py",
            "!/functions/runtime.py",
            f"!/functions/{name}/",
            "__pycache__/",
            "*.pyc",
        ],
    )


@dataclass(frozen=True)
class FunctionDefaults:
    """What every function of the stack gets: settings, layers, network, database access."""

    settings: StageSettings
    layers: Sequence[lambda_.ILayerVersion]
    vpc: ec2.IVpc
    security_group: ec2.ISecurityGroup
    database: AuroraDatabase


class ServiceFunction(Construct):
    """One Lambda of `functions/<name>/`: Python on arm64, traced, JSON logs kept for the
    configured retention, in the VPC, allowed to read the database secret.

    `in_vpc=False` is for a function that calls the internet on a customer's behalf (the
    webhook dispatcher): it runs outside the VPC, where Lambda has internet egress of its
    own, with no network interface in the private subnets, no database address in its
    environment and no access to the database secret, so nothing it is tricked into
    reaching can be private.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        defaults: FunctionDefaults,
        description: str,
        timeout: Duration,
        memory_size: int = 512,
        environment: Mapping[str, str] | None = None,
        in_vpc: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        if not (FUNCTIONS_DIR / name / "handler.py").is_file():
            raise FileNotFoundError(f"functions/{name}/handler.py does not exist")
        settings = defaults.settings
        self.name = name
        self.in_vpc = in_vpc
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=settings.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=f"functions.{name}.handler.handler",
            code=function_code(name),
            layers=list(defaults.layers),
            timeout=timeout,
            memory_size=memory_size,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel(settings.log_level),
            system_log_level_v2=SYSTEM_LOG_LEVEL,
            log_group=self.log_group,
            vpc=defaults.vpc if in_vpc else None,
            vpc_subnets=SUBNETS if in_vpc else None,
            security_groups=[defaults.security_group] if in_vpc else None,
            environment={
                "STAGE": settings.stage,
                "POWERTOOLS_SERVICE_NAME": f"mailman-{name}",
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": settings.log_level,
                **(defaults.database.environment if in_vpc else {}),
                **(environment or {}),
            },
        )
        if in_vpc:
            defaults.database.secret.grant_read(self.function)
            acknowledge(
                self,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaVPCAccessExecutionRole]",
                "Lambda's own policy for the network interfaces a function in a VPC needs",
            )
        acknowledge(
            self,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "Lambda's own policy for writing the function's logs; the log group is the function's",
        )
        acknowledge(
            self,
            "AwsSolutions-IAM5[Resource::*]",
            "Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which"
            " X-Ray only grants on every resource",
        )
        acknowledge(
            self,
            "AwsSolutions-L1",
            f"{RUNTIME.name} is the runtime the deps layer is built for (layers/build.py);"
            " moving to a newer Python is a deliberate change of both",
        )
