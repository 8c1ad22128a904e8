"""The VPC the functions and the database live in: private subnets only, no NAT gateway.

The functions reach the AWS APIs they call through VPC endpoints instead: S3 through a
(free) gateway endpoint, the others through interface endpoints, which cost per hour and AZ
(the webhooks capability adds KMS's, `stacks/webhooks.py`). Nothing in these subnets can
reach the internet; the one function that must (the webhook dispatcher) runs outside the VPC.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import StageSettings

SUBNETS = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)

INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "Ses": ec2.InterfaceVpcEndpointAwsService.EMAIL,
    "XRay": ec2.InterfaceVpcEndpointAwsService.XRAY,
}
"""The APIs the functions call besides S3: queues, the database secret, SES v2, traces."""


class Network(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: StageSettings) -> None:
        super().__init__(scope, construct_id)
        flow_logs = logs.LogGroup(
            self,
            "FlowLogs",
            retention=settings.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=22
                )
            ],
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(
                    service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[SUBNETS]
                )
            },
            flow_logs={
                "Rejected": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
                    traffic_type=ec2.FlowLogTrafficType.REJECT,
                )
            },
        )
        self.functions_security_group = ec2.SecurityGroup(
            self,
            "Functions",
            vpc=self.vpc,
            description="Mailman Lambda functions (no route leaves the VPC)",
            allow_all_outbound=True,
        )
        self.endpoints_security_group = ec2.SecurityGroup(
            self,
            "Endpoints",
            vpc=self.vpc,
            description="Mailman interface VPC endpoints",
            allow_all_outbound=False,
        )
        self.endpoints_security_group.add_ingress_rule(
            self.functions_security_group, ec2.Port.HTTPS, "HTTPS from the functions"
        )
        for name, service in INTERFACE_ENDPOINTS.items():
            self.add_interface_endpoint(name, service)

    def add_interface_endpoint(
        self,
        name: str,
        service: ec2.InterfaceVpcEndpointAwsService,
        *,
        security_group: ec2.ISecurityGroup | None = None,
    ) -> ec2.InterfaceVpcEndpoint:
        """An endpoint for one more AWS API, in every private subnet, open to the functions'
        HTTPS only (a capability that alone needs an API adds its own, with its policy), or
        to whom `security_group` lets in (an endpoint the functions have no use for)."""
        return self.vpc.add_interface_endpoint(
            name,
            service=service,
            subnets=SUBNETS,
            security_groups=[security_group or self.endpoints_security_group],
            open=False,
            private_dns_enabled=True,
        )
