"""The VPC: private subnets, no way to the internet, endpoints for the APIs the functions call."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import aws_ec2 as ec2

from .support import Synthesised


def endpoints(synthesised: Synthesised, endpoint_type: str) -> list[dict[str, Any]]:
    return [
        e["Properties"]
        for e in synthesised.resources("AWS::EC2::VPCEndpoint").values()
        if e["Properties"].get("VpcEndpointType", "Gateway") == endpoint_type
    ]


def service(endpoint: dict[str, Any]) -> str:
    """The last part of `com.amazonaws.<region>.<service>`, however the name is built."""
    return json.dumps(endpoint["ServiceName"]).rsplit(".", 1)[-1].strip("\"']} ")


def test_vpc_has_no_internet_or_nat_gateway(synthesised: Synthesised) -> None:
    for resource_type in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway"):
        assert synthesised.resources(resource_type) == {}
    assert len(synthesised.stack.network.vpc.isolated_subnets) == 2


def in_group(synthesised: Synthesised, group: ec2.ISecurityGroup) -> list[dict[str, Any]]:
    """The interface endpoints `group` guards."""
    group_id = synthesised.stack.resolve(group.security_group_id)
    return [e for e in endpoints(synthesised, "Interface") if e["SecurityGroupIds"] == [group_id]]


def test_the_functions_reach_their_aws_apis_through_endpoints(synthesised: Synthesised) -> None:
    network = synthesised.stack.network
    interface = {service(e) for e in in_group(synthesised, network.endpoints_security_group)}
    gateway = {service(e) for e in endpoints(synthesised, "Gateway")}

    assert interface == {"sqs", "secretsmanager", "email", "xray", "kms"}
    assert gateway == {"s3"}


def test_the_other_endpoints_are_the_clamd_tasks(
    synthesised: Synthesised,
) -> None:
    network = synthesised.stack.network
    scanning = synthesised.stack.scanning
    assert scanning is not None

    functions = in_group(synthesised, network.endpoints_security_group)
    scanner = in_group(synthesised, scanning.endpoints_security_group)

    region = synthesised.settings.region

    assert len(functions) + len(scanner) == len(endpoints(synthesised, "Interface"))
    assert sorted(e["ServiceName"].removeprefix(f"com.amazonaws.{region}.") for e in scanner) == [
        "ecr.api",
        "ecr.dkr",
        "logs",
    ]


def test_interface_endpoints_use_private_dns(synthesised: Synthesised) -> None:
    interface = endpoints(synthesised, "Interface")

    assert interface
    assert all(e["PrivateDnsEnabled"] is True for e in interface)


def test_interface_endpoints_accept_https_from_the_functions_and_the_rotation_only(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    allowed = [
        stack.resolve(g.security_group_id)
        for g in (stack.network.functions_security_group, stack.database.rotation_security_group)
    ]
    functions_endpoints = in_group(synthesised, stack.network.endpoints_security_group)
    (group_ids,) = {json.dumps(e["SecurityGroupIds"]) for e in functions_endpoints}
    (group_id,) = json.loads(group_ids)
    (group_logical_id, _) = group_id["Fn::GetAtt"]

    ingress = [
        r["Properties"]
        for r in synthesised.resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == group_id
    ]
    group = synthesised.resources("AWS::EC2::SecurityGroup")[group_logical_id]["Properties"]

    assert sorted(json.dumps(r["SourceSecurityGroupId"]) for r in ingress) == sorted(
        map(json.dumps, allowed)
    )
    assert {(r["FromPort"], r["ToPort"]) for r in ingress} == {(443, 443)}
    assert "SecurityGroupIngress" not in group


def test_rejected_traffic_is_logged(synthesised: Synthesised) -> None:
    (flow_log,) = synthesised.resources("AWS::EC2::FlowLog").values()

    assert flow_log["Properties"]["TrafficType"] == "REJECT"
    assert flow_log["Properties"]["LogDestinationType"] == "cloud-watch-logs"
