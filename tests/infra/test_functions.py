"""Every function is a ServiceFunction with the shared defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.functions import ServiceFunction

from .support import Synthesised

FUNCTIONS = sorted(
    {
        "api",
        "migrate",
        "inbound",
        "verifier",
        "outbound",
        "dispatcher",
        "telemetry",
        "webhooks",
        "webhook_reports",
        "webhook_sweep",
    }
)
OUTSIDE_VPC = ["webhooks"]
"""The webhook dispatcher, which calls customers' endpoints (`tests/infra/test_webhooks.py`)."""
IN_VPC = [name for name in FUNCTIONS if name not in OUTSIDE_VPC]


def function_named(synthesised: Synthesised, name: str) -> ServiceFunction:
    (found,) = [f for f in synthesised.service_functions if f.name == name]
    return found


def test_the_stack_holds_only_functions_whose_behaviour_exists(synthesised: Synthesised) -> None:
    names = sorted(f.name for f in synthesised.service_functions)

    assert names == FUNCTIONS


def test_every_python_function_is_a_service_function(synthesised: Synthesised) -> None:
    python = {
        logical_id
        for logical_id, resource in synthesised.resources("AWS::Lambda::Function").items()
        if str(resource["Properties"].get("Runtime", "")).startswith("python")
    }

    assert python == {synthesised.logical_id(f.function) for f in synthesised.service_functions}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_runs_python_on_arm64_with_tracing(synthesised: Synthesised, name: str) -> None:
    props = synthesised.properties(function_named(synthesised, name).function)

    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Handler"] == f"functions.{name}.handler.handler"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_has_the_dependencies_and_code_layers(synthesised: Synthesised, name: str) -> None:
    layers = synthesised.stack.function_defaults.layers
    expected = [synthesised.stack.resolve(layer.layer_version_arn) for layer in layers]

    props = synthesised.properties(function_named(synthesised, name).function)

    assert len(expected) == 2
    assert sorted(props["Layers"], key=str) == sorted(expected, key=str)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_logs_json_to_its_log_group_with_the_retention(
    synthesised: Synthesised, name: str
) -> None:
    service = function_named(synthesised, name)

    props = synthesised.properties(service.function)
    log_group = synthesised.properties(service.log_group)

    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": synthesised.logical_id(service.log_group)}
    assert log_group["RetentionInDays"] == synthesised.settings.log_retention_days


def test_only_the_webhook_dispatcher_runs_outside_the_vpc(synthesised: Synthesised) -> None:
    outside = sorted(
        f.name
        for f in synthesised.service_functions
        if "VpcConfig" not in synthesised.properties(f.function)
    )

    assert outside == OUTSIDE_VPC


@pytest.mark.parametrize("name", IN_VPC)
def test_function_runs_in_the_private_subnets(synthesised: Synthesised, name: str) -> None:
    defaults = synthesised.stack.function_defaults
    private = [synthesised.stack.resolve(s.subnet_id) for s in defaults.vpc.isolated_subnets]

    props = synthesised.properties(function_named(synthesised, name).function)

    assert sorted(props["VpcConfig"]["SubnetIds"], key=str) == sorted(private, key=str)
    assert props["VpcConfig"]["SecurityGroupIds"] == [
        synthesised.stack.resolve(defaults.security_group.security_group_id)
    ]


@pytest.mark.parametrize("name", IN_VPC)
def test_function_environment_names_the_database(synthesised: Synthesised, name: str) -> None:
    database = synthesised.stack.function_defaults.database
    resolve = synthesised.stack.resolve

    env = synthesised.properties(function_named(synthesised, name).function)["Environment"][
        "Variables"
    ]

    assert env["DB_SECRET_ARN"] == resolve(database.secret.secret_arn)
    assert env["DB_HOST"] == resolve(database.proxy.endpoint)
    assert env["DB_NAME"] == "mailman"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_environment_names_the_stage_and_powertools(
    synthesised: Synthesised, name: str
) -> None:
    env = synthesised.properties(function_named(synthesised, name).function)["Environment"][
        "Variables"
    ]

    assert env["STAGE"] == synthesised.settings.stage
    assert env["POWERTOOLS_SERVICE_NAME"] == f"mailman-{name}"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Mailman"
    assert env["POWERTOOLS_LOG_LEVEL"] == synthesised.settings.log_level


@pytest.mark.parametrize("name", IN_VPC)
def test_function_may_read_the_database_secret(synthesised: Synthesised, name: str) -> None:
    service = function_named(synthesised, name)
    secret_arn = synthesised.stack.resolve(
        synthesised.stack.function_defaults.database.secret.secret_arn
    )
    role = synthesised.stack.resolve(service.function.role.role_name)  # type: ignore[union-attr]

    policies = [
        p["Properties"]
        for p in synthesised.resources("AWS::IAM::Policy").values()
        if role in p["Properties"]["Roles"]
    ]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]

    assert any(
        "secretsmanager:GetSecretValue" in s["Action"] and s["Resource"] == secret_arn
        for s in statements
    )


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_code_is_its_own_directory_and_the_shared_runtime_only(
    synthesised: Synthesised, name: str
) -> None:
    props = synthesised.properties(function_named(synthesised, name).function)
    asset_hash = props["Code"]["S3Key"].removesuffix(".zip")
    asset = Path(synthesised.assembly.directory) / f"asset.{asset_hash}"

    files = [p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file()]

    assert f"functions/{name}/handler.py" in files
    assert {f for f in files if not f.startswith(f"functions/{name}/")} == {
        "functions/__init__.py",
        "functions/runtime.py",
    }
    assert not any("__pycache__" in f or f.endswith(".pyc") for f in files)
