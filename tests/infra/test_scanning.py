"""The scanner: clamd on Fargate in the isolated subnets behind an internal NLB that only the
functions reach, its definitions job outside the VPC on a schedule, the definitions bucket,
the inbound function's settings, the alarms, and a stage without any of it."""

from __future__ import annotations

import json
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_ec2 as ec2

from mailman.config import Settings
from stacks.config import ConsumerSettings, ScanningSettings, StageSettings
from stacks.scanning import (
    BATCH_MARGIN_SECONDS,
    CLAMD_PORT,
    DEFINITIONS_PREFIX,
    IMAGE_DIR,
    SCAN_MAX_BYTES,
    SCAN_MAX_FILE_BYTES,
    STATE_PREFIX,
    Scanning,
    check_scanning_fits_inbound,
)

from .support import Synthesised, actions_of, cdk_context, synthesise


def scanning_of(synthesised: Synthesised) -> Scanning:
    scanning = synthesised.stack.scanning
    assert scanning is not None
    return scanning


def only(synthesised: Synthesised, resource_type: str) -> dict[str, Any]:
    (resource,) = synthesised.resources(resource_type).values()
    return dict(resource["Properties"])


def ingress_of(synthesised: Synthesised, group: ec2.ISecurityGroup) -> list[dict[str, Any]]:
    """Every ingress rule of `group`, inline or separate."""
    group_id = synthesised.stack.resolve(group.security_group_id)
    separate = [
        r["Properties"]
        for r in synthesised.resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == group_id
    ]
    inline = synthesised.properties(group).get("SecurityGroupIngress", [])
    return [*separate, *inline]


def inbound_environment(synthesised: Synthesised) -> dict[str, Any]:
    inbound = synthesised.stack.receiving.function.function
    variables: dict[str, Any] = synthesised.properties(inbound)["Environment"]["Variables"]
    return variables


def test_clamd_runs_on_fargate_arm64_in_the_isolated_subnets(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    scanning = scanning_of(synthesised)
    service = only(synthesised, "AWS::ECS::Service")
    task = only(synthesised, "AWS::ECS::TaskDefinition")
    isolated = [stack.resolve(s.subnet_id) for s in stack.network.vpc.isolated_subnets]

    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]

    assert service["LaunchType"] == "FARGATE"
    assert network["Subnets"] == isolated
    assert network["AssignPublicIp"] == "DISABLED"
    assert network["SecurityGroups"] == [
        stack.resolve(scanning.tasks_security_group.security_group_id)
    ]
    assert task["RuntimePlatform"] == {
        "CpuArchitecture": "ARM64",
        "OperatingSystemFamily": "LINUX",
    }
    assert (task["Cpu"], task["Memory"]) == (
        str(synthesised.settings.scanning.cpu),
        str(synthesised.settings.scanning.memory_mb),
    )


def test_a_failed_deployment_rolls_back(synthesised: Synthesised) -> None:
    deployment = only(synthesised, "AWS::ECS::Service")["DeploymentConfiguration"]

    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert deployment["MinimumHealthyPercent"] == 100


def test_dev_runs_one_clamd_task_and_prod_two(synthesised: Synthesised, prod: Synthesised) -> None:
    counts = [only(s, "AWS::ECS::Service")["DesiredCount"] for s in (synthesised, prod)]

    assert counts == [1, 2]


def test_the_container_is_told_its_limits_and_where_the_definitions_are(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    scanning = scanning_of(synthesised)
    (container,) = only(synthesised, "AWS::ECS::TaskDefinition")["ContainerDefinitions"]
    environment = {v["Name"]: v["Value"] for v in container["Environment"]}

    assert container["PortMappings"] == [{"ContainerPort": CLAMD_PORT, "Protocol": "tcp"}]
    assert container["Command"] == ["serve"]
    assert environment["DEFINITIONS_BUCKET"] == stack.resolve(scanning.bucket.bucket_name)
    assert environment["DEFINITIONS_PREFIX"] == DEFINITIONS_PREFIX
    assert environment["STREAM_MAX_BYTES"] == str(SCAN_MAX_BYTES)
    assert float(environment["MAX_SCAN_SECONDS"]) < synthesised.settings.scanning.timeout_seconds


def test_the_service_and_the_job_share_one_arm64_image_asset_built_on_deploy(
    synthesised: Synthesised,
) -> None:
    artifact = synthesised.assembly.get_stack_artifact(synthesised.stack.artifact_id)
    assets = json.loads(
        (Path(synthesised.assembly.directory) / f"{artifact.stack_name}.assets.json").read_text()
    )

    (image,) = assets["dockerImages"].values()

    assert image["source"]["platform"] == "linux/arm64"
    staged = Path(synthesised.assembly.directory) / image["source"]["directory"]
    assert (staged / "Dockerfile").is_file()
    assert not list(staged.rglob("__pycache__"))


def test_the_job_runs_the_handler_the_image_holds(synthesised: Synthesised) -> None:
    dockerfile = (IMAGE_DIR / "Dockerfile").read_text()
    image = synthesised.properties(scanning_of(synthesised).job)["ImageConfig"]
    (handler,) = image["Command"]
    module, function = handler.split(".")

    assert image["EntryPoint"] == ["/opt/venv/bin/python", "-m", "awslambdaric"]
    assert "ENV LAMBDA_TASK_ROOT=/opt/clamav" in dockerfile
    assert f"COPY {module}.py /opt/clamav/{module}.py" in dockerfile
    assert callable(getattr(import_module(f"scanning.{module}"), function))


def test_the_images_python_packages_are_pinned() -> None:
    lines = (IMAGE_DIR / "requirements.txt").read_text().splitlines()
    packages = [line for line in lines if line and not line.startswith("#")]

    assert packages
    assert all("==" in line for line in packages)


def test_the_load_balancer_is_internal_in_the_isolated_subnets(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    load_balancer = only(synthesised, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    listener = only(synthesised, "AWS::ElasticLoadBalancingV2::Listener")
    target_group = only(synthesised, "AWS::ElasticLoadBalancingV2::TargetGroup")

    assert load_balancer["Type"] == "network"
    assert load_balancer["Scheme"] == "internal"
    assert load_balancer["Subnets"] == [
        stack.resolve(s.subnet_id) for s in stack.network.vpc.isolated_subnets
    ]
    assert (listener["Port"], listener["Protocol"]) == (CLAMD_PORT, "TCP")
    assert (target_group["TargetType"], target_group["HealthCheckProtocol"]) == ("ip", "TCP")


def test_only_the_functions_reach_the_load_balancer_and_only_it_the_tasks(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    scanning = scanning_of(synthesised)
    functions = stack.resolve(stack.network.functions_security_group.security_group_id)
    load_balancer = stack.resolve(scanning.load_balancer_security_group.security_group_id)

    to_load_balancer = ingress_of(synthesised, scanning.load_balancer_security_group)
    to_tasks = ingress_of(synthesised, scanning.tasks_security_group)

    for rules, source in ((to_load_balancer, functions), (to_tasks, load_balancer)):
        assert [r.get("SourceSecurityGroupId") for r in rules] == [source]
        assert [(r["FromPort"], r["ToPort"]) for r in rules] == [(CLAMD_PORT, CLAMD_PORT)]
        assert all("CidrIp" not in r for r in rules)


def test_the_tasks_send_nothing_but_https(synthesised: Synthesised) -> None:
    tasks = synthesised.properties(scanning_of(synthesised).tasks_security_group)

    assert [
        (r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in tasks["SecurityGroupEgress"]
    ] == [("tcp", 443, 443)]


def test_the_tasks_endpoints_let_in_the_tasks_only(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    scanning = scanning_of(synthesised)

    rules = ingress_of(synthesised, scanning.endpoints_security_group)

    assert [r["SourceSecurityGroupId"] for r in rules] == [
        stack.resolve(scanning.tasks_security_group.security_group_id)
    ]
    assert [(r["FromPort"], r["ToPort"]) for r in rules] == [(443, 443)]


def test_the_inbound_function_is_given_the_scanner_and_its_limits(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    scanning = scanning_of(synthesised)
    settings = synthesised.settings.scanning

    environment = inbound_environment(synthesised)

    assert environment["CLAMD_ADDRESS"] == stack.resolve(scanning.address)
    assert json.dumps(environment["CLAMD_ADDRESS"]).startswith('{"Fn::Join": ["", ["tcp://"')
    assert json.dumps(environment["CLAMD_ADDRESS"]).endswith(f'":{CLAMD_PORT}"]]}}')
    assert environment["SCAN_ATTEMPTS"] == str(settings.attempts)
    assert float(environment["SCAN_TIMEOUT_SECONDS"]) == settings.timeout_seconds


def test_the_function_reads_the_scanner_variables_it_is_given(
    synthesised: Synthesised, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = inbound_environment(synthesised)
    for name in ("SCAN_ATTEMPTS", "SCAN_TIMEOUT_SECONDS", "SCAN_MAX_BYTES", "SCAN_MAX_FILE_BYTES"):
        monkeypatch.setenv(name, environment[name])
    monkeypatch.setenv("CLAMD_ADDRESS", f"tcp://scanner.internal:{CLAMD_PORT}")

    read = Settings()

    assert read.clamd_address == f"tcp://scanner.internal:{CLAMD_PORT}"
    assert read.scan_attempts == synthesised.settings.scanning.attempts
    assert read.scan_timeout_seconds == synthesised.settings.scanning.timeout_seconds
    assert read.scan_max_bytes == SCAN_MAX_BYTES
    assert read.scan_max_file_bytes == SCAN_MAX_FILE_BYTES


def test_the_largest_part_is_the_one_the_function_and_clamd_agree_on(
    synthesised: Synthesised,
) -> None:
    environment = inbound_environment(synthesised)

    assert int(environment["SCAN_MAX_BYTES"]) == SCAN_MAX_BYTES
    assert Settings.model_fields["scan_max_bytes"].default == SCAN_MAX_BYTES


def test_the_largest_zip_member_clamd_scans_whole_is_the_one_the_function_knows(
    synthesised: Synthesised,
) -> None:
    conf = (IMAGE_DIR / "clamd.conf").read_text()

    assert f"MaxFileSize {SCAN_MAX_FILE_BYTES // (1024 * 1024)}M" in conf.splitlines()
    assert int(inbound_environment(synthesised)["SCAN_MAX_FILE_BYTES"]) == SCAN_MAX_FILE_BYTES
    assert Settings.model_fields["scan_max_file_bytes"].default == SCAN_MAX_FILE_BYTES


def test_a_failing_scanner_quarantines_mail_before_the_dead_letter_queue(
    synthesised: Synthesised,
) -> None:
    inbound = synthesised.stack.queues.inbound.queue
    redrive = synthesised.properties(inbound)["RedrivePolicy"]

    attempts = int(inbound_environment(synthesised)["SCAN_ATTEMPTS"])

    assert attempts < redrive["maxReceiveCount"]


def test_the_inbound_timeout_covers_a_batch_whose_every_scan_times_out(
    synthesised: Synthesised,
) -> None:
    settings = synthesised.settings
    inbound = synthesised.properties(synthesised.stack.receiving.function.function)
    batch = settings.queues.inbound.batch_size

    assert inbound["Timeout"] >= batch * settings.scanning.timeout_seconds + BATCH_MARGIN_SECONDS


def test_an_inbound_timeout_too_short_for_a_batch_of_scans_is_refused() -> None:
    inbound = ConsumerSettings(timeout_seconds=60, batch_size=10)

    with pytest.raises(ValueError, match="at least 120"):
        check_scanning_fits_inbound(ScanningSettings(timeout_seconds=10), inbound)


def test_scan_attempts_as_many_as_the_queues_receives_are_refused() -> None:
    stage = {**cdk_context()["mailman"]["dev"], "stage": "dev"}

    with pytest.raises(ValueError, match=r"scanning.attempts must be below"):
        StageSettings.model_validate({**stage, "scanning": {"attempts": 5}})


def test_a_task_memory_fargate_does_not_offer_with_its_cpu_is_refused() -> None:
    with pytest.raises(ValueError, match="1024 CPU units takes 2048 to 8192 MB"):
        ScanningSettings(cpu=1024, memory_mb=16384)


def test_the_definitions_job_runs_outside_the_vpc_on_its_schedule(
    synthesised: Synthesised,
) -> None:
    scanning = scanning_of(synthesised)
    job = synthesised.properties(scanning.job)
    rule = synthesised.properties(scanning.schedule)

    assert job["PackageType"] == "Image"
    assert job["Architectures"] == ["arm64"]
    assert "VpcConfig" not in job
    assert job["ReservedConcurrentExecutions"] == 1
    assert rule["ScheduleExpression"] == (
        f"rate({synthesised.settings.scanning.refresh_hours} hours)"
    )
    assert [t["Arn"] for t in rule["Targets"]] == [
        synthesised.stack.resolve(scanning.job.function_arn)
    ]


def test_the_first_definitions_are_fetched_before_the_service_starts(
    synthesised: Synthesised,
) -> None:
    scanning = scanning_of(synthesised)
    service_id = synthesised.logical_id(scanning.service)
    (custom_resource,) = scanning.first_definitions.node.children
    trigger_id = synthesised.logical_id(custom_resource)
    service = synthesised.template.to_json()["Resources"][service_id]

    (trigger,) = [t for i, t in synthesised.resources("Custom::Trigger").items() if i == trigger_id]

    assert trigger["Properties"]["HandlerArn"] == synthesised.stack.resolve(
        scanning.job.current_version.function_arn
    )
    assert trigger_id in service["DependsOn"]


def bucket_arn(synthesised: Synthesised) -> Any:
    return synthesised.stack.resolve(scanning_of(synthesised).bucket.bucket_arn)


def objects_under(synthesised: Synthesised, prefix: str) -> dict[str, Any]:
    return {"Fn::Join": ["", [bucket_arn(synthesised), f"/{prefix}*"]]}


def test_the_definitions_bucket_is_private_encrypted_and_ssl_only(
    synthesised: Synthesised,
) -> None:
    scanning = scanning_of(synthesised)
    bucket = synthesised.properties(scanning.bucket)
    policy = synthesised.properties(scanning.bucket.policy)  # type: ignore[arg-type]

    ssl = [s for s in policy["PolicyDocument"]["Statement"] if "aws:SecureTransport" in str(s)]

    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert [(s["Effect"], s["Condition"]) for s in ssl] == [
        ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
    ]


def test_only_the_job_may_write_the_definitions(synthesised: Synthesised) -> None:
    scanning = scanning_of(synthesised)
    policy = synthesised.properties(scanning.bucket.policy)  # type: ignore[arg-type]
    job_role = synthesised.stack.resolve(scanning.job.role.role_arn)  # type: ignore[union-attr]

    (guard,) = [s for s in policy["PolicyDocument"]["Statement"] if "aws:PrincipalArn" in str(s)]

    assert guard["Effect"] == "Deny"
    assert guard["Principal"] == {"AWS": "*"}
    assert sorted(actions_of(guard)) == ["s3:DeleteObject", "s3:PutObject"]
    assert guard["Resource"] == objects_under(synthesised, DEFINITIONS_PREFIX)
    assert guard["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": job_role}}


def test_the_job_touches_its_two_prefixes_and_the_tasks_only_read(
    synthesised: Synthesised,
) -> None:
    scanning = scanning_of(synthesised)
    job = synthesised.statements(scanning.job)
    task_role = synthesised.stack.resolve(scanning.service.task_definition.task_role.role_name)
    task = [
        statement
        for policy in synthesised.resources("AWS::IAM::Policy").values()
        if task_role in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]

    def grants(statements: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            ",".join(sorted(actions_of(s))): s["Resource"]
            for s in statements
            if any(a.startswith("s3:") for a in actions_of(s))
        }

    assert grants(job) == {
        "s3:DeleteObject,s3:GetObject,s3:PutObject": [
            objects_under(synthesised, DEFINITIONS_PREFIX),
            objects_under(synthesised, STATE_PREFIX),
        ],
        "s3:ListBucket": bucket_arn(synthesised),
    }
    assert grants(task) == {
        "s3:GetObject": objects_under(synthesised, DEFINITIONS_PREFIX),
        "s3:ListBucket": bucket_arn(synthesised),
    }


def alarms_by_metric(synthesised: Synthesised) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in synthesised.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"]
        in {"ScanDefinitionsAgeHours", "ScanFailures", "UnHealthyHostCount"}
    }


def test_stale_definitions_alarm_past_the_setting(synthesised: Synthesised) -> None:
    stale = alarms_by_metric(synthesised)["ScanDefinitionsAgeHours"]

    assert stale["Namespace"] == "Mailman"
    assert stale["Dimensions"] == [{"Name": "service", "Value": "mailman-inbound"}]
    assert (stale["Statistic"], stale["Threshold"]) == ("Maximum", 48)
    assert stale["ComparisonOperator"] == "GreaterThanThreshold"
    # No mail, no scan, no datapoint: quiet is not stale.
    assert stale["TreatMissingData"] == "notBreaching"


def test_scan_failures_alarm_on_the_first(synthesised: Synthesised) -> None:
    failures = alarms_by_metric(synthesised)["ScanFailures"]

    assert failures["Dimensions"] == [{"Name": "service", "Value": "mailman-inbound"}]
    assert (failures["Statistic"], failures["Threshold"], failures["Period"]) == ("Sum", 1, 900)
    assert failures["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_two_failed_definitions_runs_in_a_row_alarm(synthesised: Synthesised) -> None:
    scanning = scanning_of(synthesised)
    job_name = synthesised.stack.resolve(scanning.job.function_name)

    (errors,) = [
        a["Properties"]
        for a in synthesised.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "Errors"
        and a["Properties"]["Dimensions"][0]["Value"] == job_name
    ]

    assert errors["EvaluationPeriods"] == 2
    assert errors["Period"] == synthesised.settings.scanning.refresh_hours * 3600
    assert errors["Threshold"] == 1


def test_an_unhealthy_clamd_task_alarms(synthesised: Synthesised) -> None:
    unhealthy = alarms_by_metric(synthesised)["UnHealthyHostCount"]

    assert unhealthy["Namespace"] == "AWS/NetworkELB"
    assert (unhealthy["Statistic"], unhealthy["Threshold"]) == ("Maximum", 1)


@pytest.fixture(scope="module")
def unscanned(layers_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    stages = cdk_context()["mailman"]
    off = {**stages, "dev": {**stages["dev"], "scanning": {"enabled": False}}}
    return synthesise(layers_dir, tmp_path_factory.mktemp("cdk.out.unscanned"), mailman=off)  # type: ignore[arg-type]


def test_a_stage_without_scanning_pays_for_no_scanner(unscanned: Synthesised) -> None:
    region = unscanned.settings.region
    endpoints = {
        json.dumps(e["Properties"]["ServiceName"])
        .strip('"')
        .removeprefix(f"com.amazonaws.{region}.")
        for e in unscanned.resources("AWS::EC2::VPCEndpoint").values()
    }

    assert unscanned.stack.scanning is None
    assert unscanned.resources("AWS::ECS::Service") == {}
    assert unscanned.resources("AWS::ElasticLoadBalancingV2::LoadBalancer") == {}
    assert endpoints.isdisjoint({"ecr.api", "ecr.dkr", "logs"})
    assert "secretsmanager" in endpoints
    assert "CLAMD_ADDRESS" not in inbound_environment(unscanned)


def test_the_function_stops_scanning_when_the_stack_budgets_storing_to_start() -> None:
    handler = import_module("functions.inbound.handler")

    assert handler.STORE_RESERVE_SECONDS == BATCH_MARGIN_SECONDS
