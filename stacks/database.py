"""PostgreSQL: Aurora Serverless v2 behind RDS Proxy, credentials in Secrets Manager (the
password rotated every 30 days by AWS's single-user rotation application, in the VPC).

The functions connect to the proxy with TLS and the password of the cluster's secret
(`DB_SECRET_ARN`, `DB_HOST` = the proxy endpoint, `DB_NAME`).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.config import StageSettings
from stacks.nag import CLOUDFORMATION_VALIDATE, acknowledge
from stacks.network import SUBNETS, Network

DATABASE_NAME = "mailman"
ADMIN_USER = "mailman_admin"
ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_18_6
PORT = 5432
ROTATION = Duration.days(30)


class AuroraDatabase(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: StageSettings, network: Network
    ) -> None:
        super().__init__(scope, construct_id)
        identifier = settings.resource_name
        # Made here, with its retention, before RDS would make it without one.
        postgres_logs = logs.LogGroup(
            self,
            "PostgresLogs",
            log_group_name=f"/aws/rds/cluster/{identifier}/postgresql",
            retention=settings.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.cluster = rds.DatabaseCluster(
            self,
            "Cluster",
            cluster_identifier=identifier,
            engine=rds.DatabaseClusterEngine.aurora_postgres(version=ENGINE_VERSION),
            writer=rds.ClusterInstance.serverless_v2("Writer"),
            serverless_v2_min_capacity=settings.database.min_capacity,
            serverless_v2_max_capacity=settings.database.max_capacity,
            default_database_name=DATABASE_NAME,
            port=PORT,
            credentials=rds.Credentials.from_generated_secret(ADMIN_USER),
            storage_encrypted=True,
            vpc=network.vpc,
            vpc_subnets=SUBNETS,
            backup=rds.BackupProps(
                retention=Duration.days(settings.database.backup_retention_days)
            ),
            cloudwatch_logs_exports=["postgresql"],
            deletion_protection=not settings.is_dev,
            removal_policy=RemovalPolicy.SNAPSHOT,
            copy_tags_to_snapshot=True,
        )
        self.cluster.node.add_dependency(postgres_logs)
        if self.cluster.secret is None:
            raise RuntimeError("the cluster was created without its credentials secret")
        self.secret: secretsmanager.ISecret = self.cluster.secret
        # The functions read the secret on every (re)connect and the proxy follows it too.
        self.rotation_security_group = ec2.SecurityGroup(
            self,
            "Rotation",
            vpc=network.vpc,
            description="Mailman database password rotation",
            allow_all_outbound=True,
        )
        network.endpoints_security_group.add_ingress_rule(
            self.rotation_security_group, ec2.Port.HTTPS, "HTTPS from the password rotation"
        )
        self.cluster.add_rotation_single_user(
            automatically_after=ROTATION,
            security_group=self.rotation_security_group,
            vpc_subnets=SUBNETS,
        )
        self.proxy = self.cluster.add_proxy(
            "Proxy",
            secrets=[self.secret],
            vpc=network.vpc,
            vpc_subnets=SUBNETS,
            require_tls=True,
            iam_auth=False,
            client_password_auth_type=rds.ClientPasswordAuthType.POSTGRES_SCRAM_SHA_256,
        )
        self.proxy.connections.allow_from(
            network.functions_security_group,
            ec2.Port.tcp(PORT),
            "PostgreSQL from the functions",
        )
        self._acknowledge(settings)

    def _acknowledge(self, settings: StageSettings) -> None:
        acknowledge(
            self.cluster,
            "AwsSolutions-RDS6",
            "The functions authenticate to RDS Proxy with the cluster secret's password over"
            " required TLS; IAM database auth would add a token call to every connection",
        )
        acknowledge(
            self.cluster,
            "E9006",
            f"Aurora PostgreSQL {ENGINE_VERSION.aurora_postgres_full_version} is in"
            " aws-cdk-lib's engine list and cfn-lint's schema; this validator's list is older",
            plugin=CLOUDFORMATION_VALIDATE,
        )
        if settings.is_dev:
            acknowledge(
                self.cluster,
                "AwsSolutions-RDS10",
                "Development stages are meant to be torn down; every other stage is protected",
            )

    @property
    def environment(self) -> dict[str, str]:
        """What a function needs to connect (see `mailman.config.Settings`)."""
        return {
            "DB_SECRET_ARN": self.secret.secret_arn,
            "DB_HOST": self.proxy.endpoint,
            "DB_NAME": DATABASE_NAME,
        }
