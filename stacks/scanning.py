"""Scanning: ClamAV's daemon on Fargate behind an internal NLB, its definitions kept fresh.

    inbound fn (functions SG) --TCP 3310--> internal NLB (its SG) --> clamd tasks (their SG)
    EventBridge rule (every `refresh_hours`) -> freshclam job (outside the VPC) -> S3
    clamd tasks <- S3 gateway endpoint <- definitions/ (synced every few minutes, then RELOAD)

clamd runs as a small Fargate service (arm64) in the private isolated subnets. Only the
functions' security group may reach the load balancer, and only the load balancer the tasks.
The tasks pull their image and write their logs through ECR and CloudWatch Logs interface
endpoints of their own (the functions have no use for them, so their security group lets in
the tasks alone), and read the definitions through the S3 gateway endpoint.

The definitions come from freshclam, which needs the internet: it runs as a container-image
Lambda outside the VPC (as the webhook dispatcher does, with no NAT gateway), on a schedule
and once on every deploy that changes it (a trigger, before the service starts, so that the
first tasks find definitions to load). It starts from the copy in S3 (so freshclam fetches
only the day's differences and honours the mirror's cool-down it recorded), and writes the
files, then a manifest naming them with their digests; the tasks load what the manifest names.

One image (`scanning/`: Debian with clamav-daemon and clamav-freshclam) serves both, so the
engine that loads the definitions is the one freshclam fetched them for. It is staged as an
asset at synthesis and built only on deploy (for arm64): synthesis never calls Docker.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Annotations, CfnElement, Duration, RemovalPolicy, Size, Stack, triggers
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct

from stacks.config import ConsumerSettings, ScanningSettings, StageSettings
from stacks.functions import ServiceFunction
from stacks.nag import acknowledge
from stacks.network import SUBNETS, Network
from stacks.storage import private_bucket

IMAGE_DIR = Path(__file__).resolve().parent.parent / "scanning"
CLAMD_PORT = 3310
SCAN_MAX_BYTES = 64 * 1024 * 1024
"""clamd's `StreamMaxLength` and the inbound function's `SCAN_MAX_BYTES` (a part longer is not
sent and is recorded unscanned): `mailman.config.Settings.scan_max_bytes`, held together by a
test, since the CDK app may not import the runtime code."""
SCAN_MAX_FILE_BYTES = 64 * 1024 * 1024
"""clamd's `MaxFileSize` (`scanning/clamd.conf`) and the inbound function's
`SCAN_MAX_FILE_BYTES`: a zip member larger is scanned by ClamAV only in part, without an
alert, so the function records such a part unscanned (`Settings.scan_max_file_bytes`)."""
DEFINITIONS_PREFIX = "definitions/"
"""The files clamd loads and `manifest.json`: the job writes them, the tasks only read them."""
STATE_PREFIX = "freshclam/"
"""freshclam's own state (`freshclam.dat`: the mirror's cool-down), the job's alone."""
SYNC_MINUTES = 5
"""How often a task looks at the manifest, so new definitions are loaded within minutes."""
SCAN_MARGIN_SECONDS = 2
"""clamd gives up a part (`MaxScanTime`) this long before the function stops waiting, so a
slow part comes back unscanned (`Heuristics.Limits.Exceeded`) rather than as a timeout."""
BATCH_MARGIN_SECONDS = 20
"""Besides the scans, what the inbound function does with a batch (parse, store, queue)."""
JOB_TIMEOUT = Duration.minutes(10)
"""A first run downloads the whole database (about 250 MB); later runs a day's differences."""
JOB_STORAGE = Size.gibibytes(2)
"""The job's scratch holds the database twice while freshclam rebuilds `daily`."""
IMAGE_PLATFORM = ecr_assets.Platform.LINUX_ARM64


def check_scanning_fits_inbound(scanning: ScanningSettings, inbound: ConsumerSettings) -> None:
    """The inbound function must outlast a batch whose every mail waits the whole scan
    timeout once (the scanner down or its connection hanging: the first wait of a mail fails
    it), so a batch is never cut short and its receives counted without a verdict (the
    settings hold the attempts below the queue's receives). ValueError otherwise."""
    needed = inbound.batch_size * scanning.timeout_seconds + BATCH_MARGIN_SECONDS
    if inbound.timeout_seconds < needed:
        raise ValueError(
            f"queues.inbound.timeout_seconds must be at least {needed:g} (batch_size"
            f" {inbound.batch_size} x scanning.timeout_seconds {scanning.timeout_seconds:g}"
            f" + {BATCH_MARGIN_SECONDS}s)"
        )


class Scanning(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        network: Network,
        inbound: ServiceFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        scanning = settings.scanning
        check_scanning_fits_inbound(scanning, settings.queues.inbound)
        self.settings = scanning
        self.inbound = inbound
        self.bucket = self._definitions_bucket()
        self.job = self._freshclam_job(settings)
        self.schedule = events.Rule(
            self,
            "RefreshSchedule",
            description="Mailman: fetches new ClamAV definitions into S3",
            schedule=events.Schedule.rate(Duration.hours(scanning.refresh_hours)),
            # A failed run is made up by the next; its errors alarm if two fail in a row.
            targets=[targets.LambdaFunction(self.job, retry_attempts=0)],
        )
        self.first_definitions = triggers.Trigger(
            self,
            "OnDeploy",
            handler=self.job,
            execute_after=[self.bucket],
            execute_on_handler_change=True,
            invocation_type=triggers.InvocationType.REQUEST_RESPONSE,
            timeout=JOB_TIMEOUT,
        )
        self._guard_definitions()

        self.tasks_security_group = ec2.SecurityGroup(
            self,
            "TasksGroup",
            vpc=network.vpc,
            description="Mailman clamd tasks (the subnets route only to the VPC and S3)",
            allow_all_outbound=False,
        )
        # ECR, CloudWatch Logs (their endpoints) and S3 (its gateway's public addresses); the
        # task's credentials and the VPC's DNS are link-local, which security groups ignore.
        self.tasks_security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.HTTPS, "HTTPS to the endpoints and S3 only"
        )
        self.load_balancer_security_group = ec2.SecurityGroup(
            self,
            "LoadBalancerGroup",
            vpc=network.vpc,
            description="Mailman scanner load balancer (clamd from the functions only)",
            allow_all_outbound=False,
        )
        self.load_balancer_security_group.add_ingress_rule(
            network.functions_security_group, ec2.Port.tcp(CLAMD_PORT), "clamd from the functions"
        )
        self.load_balancer_security_group.add_egress_rule(
            self.tasks_security_group, ec2.Port.tcp(CLAMD_PORT), "clamd on the tasks"
        )
        self.tasks_security_group.add_ingress_rule(
            self.load_balancer_security_group,
            ec2.Port.tcp(CLAMD_PORT),
            "clamd and its health checks from the load balancer",
        )
        self.endpoints_security_group = ec2.SecurityGroup(
            self,
            "EndpointsGroup",
            vpc=network.vpc,
            description="Mailman interface VPC endpoints of the clamd tasks (ECR, Logs)",
            allow_all_outbound=False,
        )
        self.endpoints_security_group.add_ingress_rule(
            self.tasks_security_group, ec2.Port.HTTPS, "HTTPS from the clamd tasks"
        )
        self.endpoints = [
            network.add_interface_endpoint(
                name, service, security_group=self.endpoints_security_group
            )
            for name, service in (
                ("EcrApi", ec2.InterfaceVpcEndpointAwsService.ECR),
                ("EcrDocker", ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER),
                ("Logs", ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS),
            )
        ]

        self.service = self._clamd_service(settings, network)
        self.service.node.add_dependency(self.first_definitions, *self.endpoints)
        self.load_balancer, self.target_group = self._load_balancer(network)
        self.address = f"tcp://{self.load_balancer.load_balancer_dns_name}:{CLAMD_PORT}"
        for name, value in {
            "CLAMD_ADDRESS": self.address,
            "SCAN_ATTEMPTS": str(scanning.attempts),
            "SCAN_TIMEOUT_SECONDS": f"{scanning.timeout_seconds:g}",
            "SCAN_MAX_BYTES": str(SCAN_MAX_BYTES),
            "SCAN_MAX_FILE_BYTES": str(SCAN_MAX_FILE_BYTES),
        }.items():
            inbound.function.add_environment(name, value)

    def _definitions_bucket(self) -> s3.Bucket:
        bucket = private_bucket(
            self,
            "Definitions",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            # CloudFormation deletes no bucket with objects in it, and emptying it on destroy
            # takes a custom resource with a function of its own: `cdk destroy` leaves it
            # (a few hundred MB of public definitions; the README says how to remove it).
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            bucket,
            "AwsSolutions-S1",
            "Holds ClamAV's public definitions only, written by one job and read by the clamd"
            " tasks; the bucket policy denies every other writer, so access logs add nothing",
        )
        return bucket

    def _freshclam_job(self, settings: StageSettings) -> lambda_.DockerImageFunction:
        log_group = logs.LogGroup(
            self,
            "RefreshLogs",
            retention=settings.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        job = lambda_.DockerImageFunction(
            self,
            "Refresh",
            description="Mailman: runs freshclam and puts the ClamAV definitions in S3",
            code=lambda_.DockerImageCode.from_image_asset(
                str(IMAGE_DIR),
                platform=IMAGE_PLATFORM,
                entrypoint=["/opt/venv/bin/python", "-m", "awslambdaric"],
                cmd=["node.refresh"],
            ),
            architecture=lambda_.Architecture.ARM_64,
            # freshclam test-loads what it fetched (TestDatabases) before the job publishes it.
            memory_size=2048,
            ephemeral_storage_size=JOB_STORAGE,
            timeout=JOB_TIMEOUT,
            # One run at a time: two would race on the manifest and on the mirror's cool-down.
            reserved_concurrent_executions=1,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group,
            environment={
                "DEFINITIONS_BUCKET": self.bucket.bucket_name,
                "DEFINITIONS_PREFIX": DEFINITIONS_PREFIX,
                "STATE_PREFIX": STATE_PREFIX,
            },
        )
        iam.Grant.add_to_principal(
            grantee=job,
            actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            resource_arns=[
                self.bucket.arn_for_objects(f"{DEFINITIONS_PREFIX}*"),
                self.bucket.arn_for_objects(f"{STATE_PREFIX}*"),
            ],
        )
        self._grant_existence_checks(job)
        acknowledge(
            job,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "Lambda's own policy for writing the job's logs; the log group is the job's",
        )
        self._acknowledge_prefixes(
            job,
            (DEFINITIONS_PREFIX, STATE_PREFIX),
            "The definition files' names (main, daily, bytecode and what ClamAV adds) are"
            " ClamAV's to choose: the job may only touch objects under its two prefixes",
        )
        # The schedule invokes the function itself, the trigger the version it publishes
        # (through the trigger's own role): neither calls a version through a permission.
        Annotations.of(job).acknowledge_warning(
            "@aws-cdk/aws-lambda:addPermissionsToVersionOrAlias",
            "The schedule's permission is on the function, which is what the schedule invokes",
        )
        return job

    def _acknowledge_prefixes(
        self, grantee: IConstruct, prefixes: tuple[str, ...], reason: str
    ) -> None:
        """Accept cdk-nag's finding on each object wildcard under `prefixes` of the bucket."""
        bucket_resource = self.bucket.node.default_child
        assert isinstance(bucket_resource, CfnElement)
        bucket_arn = f"<{Stack.of(self).get_logical_id(bucket_resource)}.Arn>"
        for prefix in prefixes:
            acknowledge(grantee, f"AwsSolutions-IAM5[Resource::{bucket_arn}/{prefix}*]", reason)

    def _grant_existence_checks(self, grantee: iam.IGrantable) -> None:
        """Without `s3:ListBucket` S3 answers a missing manifest (before the first run) with
        403, not 404."""
        iam.Grant.add_to_principal(
            grantee=grantee, actions=["s3:ListBucket"], resource_arns=[self.bucket.bucket_arn]
        )

    def _guard_definitions(self) -> None:
        """Whatever an identity policy elsewhere in the account allows, only the job writes
        the definitions clamd loads."""
        assert self.job.role is not None
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:PutObject", "s3:DeleteObject"],
                resources=[self.bucket.arn_for_objects(f"{DEFINITIONS_PREFIX}*")],
                conditions={"ArnNotEquals": {"aws:PrincipalArn": self.job.role.role_arn}},
            )
        )

    def _clamd_service(self, settings: StageSettings, network: Network) -> ecs.FargateService:
        scanning = settings.scanning
        cluster = ecs.Cluster(self, "Cluster", vpc=network.vpc)
        acknowledge(
            cluster,
            "AwsSolutions-ECS4",
            "Container Insights bills custom metrics per task; the service is watched through"
            " its load balancer's healthy hosts and the inbound function's scan metrics",
        )
        task = ecs.FargateTaskDefinition(
            self,
            "Task",
            cpu=scanning.cpu,
            memory_limit_mib=scanning.memory_mb,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        task.add_container(
            "clamd",
            image=ecs.ContainerImage.from_asset(str(IMAGE_DIR), platform=IMAGE_PLATFORM),
            command=["serve"],
            port_mappings=[ecs.PortMapping(container_port=CLAMD_PORT)],
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix="clamd",
                log_group=logs.LogGroup(
                    self,
                    "ClamdLogs",
                    retention=settings.log_retention,
                    removal_policy=RemovalPolicy.DESTROY,
                ),
            ),
            environment={
                "DEFINITIONS_BUCKET": self.bucket.bucket_name,
                "DEFINITIONS_PREFIX": DEFINITIONS_PREFIX,
                "SYNC_MINUTES": str(SYNC_MINUTES),
                "STREAM_MAX_BYTES": str(SCAN_MAX_BYTES),
                "MAX_SCAN_SECONDS": f"{scanning.timeout_seconds - SCAN_MARGIN_SECONDS:g}",
            },
        )
        iam.Grant.add_to_principal(
            grantee=task.task_role,
            actions=["s3:GetObject"],
            resource_arns=[self.bucket.arn_for_objects(f"{DEFINITIONS_PREFIX}*")],
        )
        self._grant_existence_checks(task.task_role)
        self._acknowledge_prefixes(
            task,
            (DEFINITIONS_PREFIX,),
            "The task reads the definition files the manifest names, whose names are ClamAV's;"
            " nothing outside definitions/",
        )
        acknowledge(
            task,
            "AwsSolutions-ECS2",
            "The variables name the definitions bucket and clamd's limits; the task has no"
            " secret to keep out of its environment",
        )
        acknowledge(
            task,
            "AwsSolutions-IAM5[Resource::*]",
            "ECR's GetAuthorizationToken, which the execution role needs to pull the image,"
            " is granted on every resource or not at all",
        )
        return ecs.FargateService(
            self,
            "Service",
            cluster=cluster,
            task_definition=task,
            desired_count=scanning.desired_count,
            vpc_subnets=SUBNETS,
            security_groups=[self.tasks_security_group],
            assign_public_ip=False,
            min_healthy_percent=100,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            # clamd listens only once the definitions are loaded (a minute or two).
            health_check_grace_period=Duration.minutes(5),
        )

    def _load_balancer(
        self, network: Network
    ) -> tuple[elbv2.NetworkLoadBalancer, elbv2.NetworkTargetGroup]:
        load_balancer = elbv2.NetworkLoadBalancer(
            self,
            "LoadBalancer",
            vpc=network.vpc,
            internet_facing=False,
            vpc_subnets=SUBNETS,
            security_groups=[self.load_balancer_security_group],
            # With one task, the AZ without it still answers.
            cross_zone_enabled=True,
        )
        acknowledge(
            load_balancer,
            "AwsSolutions-ELB2",
            "An internal TCP load balancer in front of clamd: its flows carry mail parts, not"
            " requests worth logging, and the VPC's flow logs record what it rejects",
        )
        listener = load_balancer.add_listener("Clamd", port=CLAMD_PORT, protocol=elbv2.Protocol.TCP)
        target_group = listener.add_targets(
            "Clamd",
            port=CLAMD_PORT,
            protocol=elbv2.Protocol.TCP,
            targets=[self.service],
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                protocol=elbv2.Protocol.TCP,
                interval=Duration.seconds(10),
                healthy_threshold_count=2,
                unhealthy_threshold_count=2,
            ),
        )
        return load_balancer, target_group
