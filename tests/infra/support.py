"""What the infrastructure tests share: the synthesised stack and ways to look into it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App, CfnElement
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template
from aws_cdk.cx_api import CloudAssembly
from constructs import IConstruct

from stacks.config import StageSettings, load_settings
from stacks.functions import ServiceFunction
from stacks.mailman_stack import MailmanStack, build_stack
from stacks.queues import WorkQueue

ROOT = Path(__file__).resolve().parents[2]


def cdk_context() -> dict[str, Any]:
    """The context `cdk.json` gives the app (stage selection, stages, feature flags)."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


@dataclass(frozen=True)
class Synthesised:
    settings: StageSettings
    stack: MailmanStack
    assembly: CloudAssembly
    template: Template

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """The template's resources of one type, by logical id."""
        return {
            logical_id: dict(resource)
            for logical_id, resource in self.template.find_resources(resource_type).items()
        }

    def logical_id(self, construct: IConstruct) -> str:
        """The logical id of an L2 construct's CloudFormation resource."""
        resource = construct.node.default_child
        assert isinstance(resource, CfnElement)
        return self.stack.get_logical_id(resource)

    def properties(self, construct: IConstruct) -> dict[str, Any]:
        """The CloudFormation properties of an L2 construct's resource."""
        resource = self.template.to_json()["Resources"][self.logical_id(construct)]
        return dict(resource.get("Properties", {}))

    @property
    def service_functions(self) -> list[ServiceFunction]:
        return [c for c in self.stack.node.find_all() if isinstance(c, ServiceFunction)]

    def statements(self, function: lambda_.Function) -> list[dict[str, Any]]:
        """Every IAM statement of the function's role."""
        assert function.role is not None
        role = self.stack.resolve(function.role.role_name)
        return [
            statement
            for policy in self.resources("AWS::IAM::Policy").values()
            if role in policy["Properties"]["Roles"]
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        ]


def synthesise(layers_dir: Path, outdir: Path, **context: str) -> Synthesised:
    """The stack of `cdk.json`'s context, with `context` over it (a stage, say)."""
    app = App(
        context={**cdk_context(), **context, "layers_dir": str(layers_dir)}, outdir=str(outdir)
    )
    stack = build_stack(app)
    assembly = app.synth()
    return Synthesised(
        settings=load_settings(app.node),
        stack=stack,
        assembly=assembly,
        template=Template.from_stack(stack),
    )


def actions_of(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def resources_of(statements: list[dict[str, Any]]) -> list[str]:
    """Every resource the statements name, each as JSON, sorted (IAM may merge statements)."""
    found: list[Any] = []
    for statement in statements:
        resource = statement["Resource"]
        found += resource if isinstance(resource, list) else [resource]
    return sorted(json.dumps(r, sort_keys=True) for r in found)


def queue_arns(synthesised: Synthesised, *queues: WorkQueue) -> list[str]:
    """The queues' ARNs as `resources_of` answers them."""
    return sorted(
        json.dumps(synthesised.stack.resolve(w.queue.queue_arn), sort_keys=True) for w in queues
    )
