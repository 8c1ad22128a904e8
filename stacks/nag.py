"""Acknowledging a cdk-nag (or CloudFormation validation) finding, always with its reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

AWS_SOLUTIONS = "AwsSolutions"
CLOUDFORMATION_VALIDATE = "CloudFormation-Validate"


def acknowledge(scope: IConstruct, rule: str, reason: str, *, plugin: str = AWS_SOLUTIONS) -> None:
    """Accept the finding `rule` of `plugin` on `scope` and everything under it."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{plugin}::{rule}", reason=reason))
