"""PostgreSQL: Aurora Serverless v2 (PostgreSQL 18), encrypted, private, behind RDS Proxy,
protected from deletion outside dev, migrated on deploy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from stacks.config import StageSettings
from stacks.database import AuroraDatabase
from stacks.functions import FunctionDefaults
from stacks.layers import Layers
from stacks.migrations import Migrations
from stacks.network import Network

from .support import Synthesised, cdk_context


def cluster(synthesised: Synthesised) -> dict[str, Any]:
    return synthesised.properties(synthesised.stack.database.cluster)


def test_cluster_runs_aurora_postgresql_18(synthesised: Synthesised) -> None:
    props = cluster(synthesised)

    assert props["Engine"] == "aurora-postgresql"
    assert props["EngineVersion"].split(".")[0] == "18"
    assert props["DatabaseName"] == "mailman"


def test_cluster_is_serverless_v2_able_to_pause(synthesised: Synthesised) -> None:
    props = cluster(synthesised)
    (writer,) = synthesised.resources("AWS::RDS::DBInstance").values()

    assert props["ServerlessV2ScalingConfiguration"] == {
        "MinCapacity": synthesised.settings.database.min_capacity,
        "MaxCapacity": synthesised.settings.database.max_capacity,
    }
    assert synthesised.settings.database.min_capacity == 0
    assert writer["Properties"]["DBInstanceClass"] == "db.serverless"


def test_cluster_storage_is_encrypted(synthesised: Synthesised) -> None:
    assert cluster(synthesised)["StorageEncrypted"] is True


def test_cluster_is_only_in_private_subnets(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    (subnet_group,) = synthesised.resources("AWS::RDS::DBSubnetGroup").values()
    private = [stack.resolve(s.subnet_id) for s in stack.network.vpc.isolated_subnets]

    assert sorted(subnet_group["Properties"]["SubnetIds"], key=str) == sorted(private, key=str)
    assert stack.network.vpc.public_subnets == []
    assert cluster(synthesised).get("PubliclyAccessible") in (None, False)


def test_credentials_are_a_generated_secret(synthesised: Synthesised) -> None:
    (secret,) = synthesised.resources("AWS::SecretsManager::Secret").values()

    generated = secret["Properties"]["GenerateSecretString"]

    assert generated["GenerateStringKey"] == "password"
    assert '"username":"mailman_admin"' in generated["SecretStringTemplate"]


def test_postgres_logs_are_kept_for_the_retention(synthesised: Synthesised) -> None:
    groups = synthesised.resources("AWS::Logs::LogGroup").values()

    (postgres,) = [
        g["Properties"]
        for g in groups
        if g["Properties"].get("LogGroupName") == "/aws/rds/cluster/mailman-dev/postgresql"
    ]

    assert cluster(synthesised)["EnableCloudwatchLogsExports"] == ["postgresql"]
    assert postgres["RetentionInDays"] == synthesised.settings.log_retention_days


def test_proxy_requires_tls_and_password_auth_from_the_secret(synthesised: Synthesised) -> None:
    database = synthesised.stack.database

    props = synthesised.properties(database.proxy)

    assert props["EngineFamily"] == "POSTGRESQL"
    assert props["RequireTLS"] is True
    (auth,) = props["Auth"]
    assert auth["AuthScheme"] == "SECRETS"
    assert auth["IAMAuth"] == "DISABLED"
    assert auth["ClientPasswordAuthType"] == "POSTGRES_SCRAM_SHA_256"
    assert auth["SecretArn"] == synthesised.stack.resolve(database.secret.secret_arn)


def ingress_sources(synthesised: Synthesised, groups: list[ec2.ISecurityGroup]) -> list[str]:
    """The security groups allowed into `groups`, as JSON, sorted."""
    targets = [synthesised.stack.resolve(g.security_group_id) for g in groups]
    return sorted(
        json.dumps(r["Properties"]["SourceSecurityGroupId"])
        for r in synthesised.resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] in targets
    )


def test_only_the_functions_reach_the_proxy(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    functions = stack.network.functions_security_group

    sources = ingress_sources(synthesised, stack.database.proxy.connections.security_groups)

    assert sources == [json.dumps(stack.resolve(functions.security_group_id))]


def test_only_the_proxy_and_the_password_rotation_reach_the_cluster(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    expected = [
        *stack.database.proxy.connections.security_groups,
        stack.database.rotation_security_group,
    ]

    sources = ingress_sources(synthesised, stack.database.cluster.connections.security_groups)

    assert sources == sorted(json.dumps(stack.resolve(g.security_group_id)) for g in expected)


def test_the_password_rotates_every_30_days(synthesised: Synthesised) -> None:
    stack = synthesised.stack

    (schedule,) = synthesised.resources("AWS::SecretsManager::RotationSchedule").values()

    assert schedule["Properties"]["SecretId"] == stack.resolve(stack.database.secret.secret_arn)
    assert schedule["Properties"]["RotationRules"] == {"ScheduleExpression": "rate(30 days)"}


def test_migrations_run_on_deploy_after_the_database_and_proxy(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    migrate = stack.migrations.function.function
    ((_, trigger),) = [
        (logical_id, trigger)
        for logical_id, trigger in synthesised.resources("Custom::Trigger").items()
        if logical_id.startswith("MigrationsOnDeploy")
    ]

    depends_on = trigger.get("DependsOn", [])

    assert trigger["Properties"]["HandlerArn"] == stack.resolve(
        migrate.current_version.function_arn
    )
    assert synthesised.logical_id(stack.database.cluster) in depends_on
    assert synthesised.logical_id(stack.database.proxy) in depends_on


def test_migrations_rerun_when_the_code_layer_changes(layers_dir: Path, tmp_path: Path) -> None:
    changed = tmp_path / "layers"
    shutil.copytree(layers_dir, changed)
    (changed / "code" / "python" / "mailman" / "9999_new.sql").write_text("select 1;\n")

    before, after = (
        migration_trigger(isolated_stack("dev", layers_dir=d)) for d in (layers_dir, changed)
    )

    assert before["HandlerArn"] != after["HandlerArn"]


def isolated_stack(stage: str, *, layers_dir: Path | None = None) -> Template:
    """The network and database (and, given layers, the migrations) of `stage` alone."""
    context = cdk_context()
    settings = StageSettings.model_validate({**context["mailman"]["dev"], "stage": stage})
    stack = Stack(App(context=context), "Database")
    network = Network(stack, "Network", settings=settings)
    database = AuroraDatabase(stack, "Database", settings=settings, network=network)
    if layers_dir is not None:
        defaults = FunctionDefaults(
            settings=settings,
            layers=Layers(stack, "Layers", directory=layers_dir).all,
            vpc=network.vpc,
            security_group=network.functions_security_group,
            database=database,
        )
        Migrations(stack, "Migrations", defaults=defaults, database=database)
    return Template.from_stack(stack)


def migration_trigger(template: Template) -> dict[str, Any]:
    (trigger,) = template.find_resources("Custom::Trigger").values()
    properties: dict[str, Any] = trigger["Properties"]
    return properties


@pytest.mark.parametrize(
    ("stage", "protected"), [("dev", False), ("dev-alice", False), ("prod", True)]
)
def test_deletion_protection_is_on_outside_dev_stages(stage: str, protected: bool) -> None:
    template = isolated_stack(stage)

    (cluster_resource,) = template.find_resources("AWS::RDS::DBCluster").values()
    assert cluster_resource["Properties"]["DeletionProtection"] is protected
    assert cluster_resource["DeletionPolicy"] == "Snapshot"
