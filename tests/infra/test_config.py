"""The settings: one typed block per stage in cdk.json, validated before anything is built."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App
from pydantic import ValidationError

from stacks.config import StageSettings, load_settings

from .support import cdk_context


def settings_of(**overrides: Any) -> StageSettings:
    return StageSettings.model_validate(
        {**cdk_context()["mailman"]["dev"], "stage": "dev", **overrides}
    )


@pytest.mark.parametrize("stage", sorted(cdk_context()["mailman"]))
def test_every_stage_in_cdk_json_is_valid(stage: str) -> None:
    settings = load_settings(App(context={**cdk_context(), "stage": stage}).node)

    assert settings.stage == stage
    assert settings.stack_name == f"Mailman-{stage}"


def test_cdk_json_builds_the_dev_stage_unless_told_otherwise() -> None:
    context = cdk_context()

    assert load_settings(App(context=context).node).stage == "dev"
    assert load_settings(App(context={**context, "stage": "prod"}).node).is_dev is False


def test_an_unknown_stage_is_refused_with_the_known_ones() -> None:
    app = App(context={**cdk_context(), "stage": "staging"})

    with pytest.raises(KeyError, match=r"no stage 'staging' \(known: dev, prod\)"):
        load_settings(app.node)


@pytest.mark.parametrize(
    ("stage", "is_dev"), [("dev", True), ("dev-alice", True), ("prod", False), ("devops", False)]
)
def test_dev_stages_are_dev_and_dev_dash_name(stage: str, is_dev: bool) -> None:
    assert settings_of(stage=stage).is_dev is is_dev


def test_a_misspelt_setting_is_refused() -> None:
    with pytest.raises(ValidationError, match="log_retention"):
        settings_of(log_retention=30)


def test_log_retention_must_be_a_period_cloudwatch_offers() -> None:
    with pytest.raises(ValidationError, match="CloudWatch Logs keeps logs"):
        settings_of(log_retention_days=31)


@pytest.mark.parametrize("domains", [[], ["not a domain"], ["-bad.example.com"]])
def test_mail_domains_must_be_domain_names(domains: list[str]) -> None:
    with pytest.raises(ValidationError, match="mail_domains"):
        settings_of(mail_domains=domains)


def test_mail_domains_are_lowercased() -> None:
    assert settings_of(mail_domains=["Mail.Example.COM"]).mail_domains == ["mail.example.com"]


def test_api_timeout_fits_api_gateways_29_seconds() -> None:
    with pytest.raises(ValidationError, match="timeout_seconds"):
        settings_of(api={"timeout_seconds": 30})


def test_visibility_timeout_is_six_times_the_consumer_timeout() -> None:
    consumer = settings_of().queues.inbound

    assert consumer.visibility_timeout_seconds == 6 * consumer.timeout_seconds
