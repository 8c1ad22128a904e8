"""The VPC: private subnets, no way to the internet, endpoints for the APIs the functions call."""

from __future__ import annotations

import json
from typing import Any

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


def test_the_functions_reach_their_aws_apis_through_endpoints(synthesised: Synthesised) -> None:
    interface = {service(e) for e in endpoints(synthesised, "Interface")}
    gateway = {service(e) for e in endpoints(synthesised, "Gateway")}

    assert interface == {"sqs", "secretsmanager", "email", "xray", "kms"}
    assert gateway == {"s3"}


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
    (group_ids,) = {json.dumps(e["SecurityGroupIds"]) for e in endpoints(synthesised, "Interface")}
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
