"""The synthesised app passes cdk-nag's AwsSolutions checks and cfn-lint, and warns of nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from aws_cdk import Validations
from aws_cdk.assertions import Annotations, Match

from .support import ROOT, Synthesised


def validation_report(synthesised: Synthesised) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(
        (Path(synthesised.assembly.directory) / "validation-report.json").read_text()
    )
    return report


def test_cdk_nag_aws_solutions_finds_nothing_unacknowledged(synthesised: Synthesised) -> None:
    reports = {r["pluginName"]: r for r in validation_report(synthesised)["pluginReports"]}

    assert reports["AwsSolutions"]["conclusion"] == "success"
    assert reports["AwsSolutions"]["violations"] == []


def test_cloudformation_validation_finds_nothing_unacknowledged(synthesised: Synthesised) -> None:
    reports = validation_report(synthesised)["pluginReports"]

    assert [(r["pluginName"], r["violations"]) for r in reports if r["violations"]] == []


def test_every_acknowledged_finding_says_why(synthesised: Synthesised) -> None:
    acknowledged = {
        (construct.node.path, rule): reason
        for construct in synthesised.stack.node.find_all()
        for entry in construct.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule, reason in entry.data.items()
    }

    ours = {k: v for k, v in acknowledged.items() if k[1].startswith("AwsSolutions::")}

    assert ours
    assert {k: v for k, v in ours.items() if len(v.split()) < 8} == {}


def test_synthesis_reports_no_error_or_warning(synthesised: Synthesised) -> None:
    annotations = Annotations.from_stack(synthesised.stack)

    assert annotations.find_error("*", Match.any_value()) == []
    assert annotations.find_warning("*", Match.any_value()) == []


def test_cfn_lint_passes_the_template(synthesised: Synthesised) -> None:
    artifact = synthesised.assembly.get_stack_artifact(synthesised.stack.artifact_id)
    cfn_lint = Path(sys.executable).with_name("cfn-lint")

    result = subprocess.run(
        [
            str(cfn_lint),
            "--config-file",
            str(ROOT / ".cfnlintrc"),
            "--regions",
            synthesised.settings.region,
            "--",
            artifact.template_full_path,
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
