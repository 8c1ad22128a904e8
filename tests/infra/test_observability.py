"""Alarms on every dead-letter queue, on every function's errors and throttles, and on the SES
bounce and complaint rates, all to the alarm topic; a dashboard."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk.assertions import Template

from stacks.config import StageSettings
from stacks.database import AuroraDatabase
from stacks.network import Network
from stacks.observability import Observability
from stacks.queues import Queues

from .support import Synthesised, cdk_context


def alarms(synthesised: Synthesised) -> list[dict[str, Any]]:
    return [a["Properties"] for a in synthesised.resources("AWS::CloudWatch::Alarm").values()]


def dimension_values(alarm: dict[str, Any]) -> list[Any]:
    return [d["Value"] for d in alarm.get("Dimensions", [])]


def test_every_dead_letter_queue_alarms_on_its_first_message(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    depth = [
        a for a in alarms(synthesised) if a["MetricName"] == "ApproximateNumberOfMessagesVisible"
    ]

    watched = [v for a in depth for v in dimension_values(a)]

    assert sorted(map(str, watched)) == sorted(
        str(stack.resolve(w.dead_letter_queue.queue_name)) for w in stack.queues.all
    )
    assert all(a["Threshold"] == 1 for a in depth)
    assert all(a["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" for a in depth)


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_alarms_on(synthesised: Synthesised, metric: str) -> None:
    stack = synthesised.stack
    on_metric = [a for a in alarms(synthesised) if a["MetricName"] == metric]

    functions = [f.function for f in synthesised.service_functions]
    if metric == "Errors" and stack.scanning is not None:
        functions.append(stack.scanning.job)  # the definitions job (`test_scanning.py`)

    watched = [v for a in on_metric for v in dimension_values(a)]

    assert sorted(map(str, watched)) == sorted(
        str(stack.resolve(f.function_name)) for f in functions
    )
    assert all(a["Namespace"] == "AWS/Lambda" and a["Threshold"] == 1 for a in on_metric)


@pytest.mark.parametrize(
    ("metric", "warning", "at_risk"),
    [
        ("Reputation.BounceRate", "bounce_rate_alarm", "bounce_rate_at_risk_alarm"),
        ("Reputation.ComplaintRate", "complaint_rate_alarm", "complaint_rate_at_risk_alarm"),
    ],
)
def test_ses_reputation_alarms_at_review_and_again_before_ses_pauses_the_account(
    synthesised: Synthesised, metric: str, warning: str, at_risk: str
) -> None:
    on_metric = [a for a in alarms(synthesised) if a["MetricName"] == metric]

    assert sorted(a["Threshold"] for a in on_metric) == [
        getattr(synthesised.settings, warning),
        getattr(synthesised.settings, at_risk),
    ]
    assert all(a["Namespace"] == "AWS/SES" for a in on_metric)
    assert all(a["Statistic"] == "Maximum" and a["Period"] == 3600 for a in on_metric)
    assert all(a["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" for a in on_metric)
    assert all("Dimensions" not in a for a in on_metric)  # the account's rate, not a resource's


def test_the_reputation_alarms_default_to_ses_levels(synthesised: Synthesised) -> None:
    settings = synthesised.settings

    assert (settings.bounce_rate_alarm, settings.bounce_rate_at_risk_alarm) == (0.05, 0.10)
    assert (settings.complaint_rate_alarm, settings.complaint_rate_at_risk_alarm) == (0.001, 0.005)


@pytest.mark.parametrize(
    "levels",
    [
        {"bounce_rate_alarm": 0.1, "bounce_rate_at_risk_alarm": 0.1},
        {"complaint_rate_alarm": 0.006},
    ],
)
def test_an_at_risk_alarm_below_its_warning_is_refused(levels: dict[str, float]) -> None:
    stage = {**cdk_context()["mailman"]["dev"], "stage": "dev", **levels}

    with pytest.raises(ValueError, match="at_risk_alarm must be above"):
        StageSettings.model_validate(stage)


def test_every_alarm_notifies_the_alarm_topic(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    topic = stack.resolve(stack.observability.topic.topic_arn)

    every = alarms(synthesised)

    scanner = 0 if stack.scanning is None else 4  # stale, failures, job errors, unhealthy
    assert (
        len(every) == len(stack.queues.all) + 2 * len(synthesised.service_functions) + 4 + scanner
    )
    assert all(a["AlarmActions"] == [topic] for a in every)
    assert all(a["TreatMissingData"] == "notBreaching" for a in every)


def observability_template(alarm_email: str | None) -> Template:
    """Observability of a small stack: queues, a database, a bare REST API, no functions."""
    context = cdk_context()
    settings = StageSettings.model_validate(
        {**context["mailman"]["dev"], "stage": "dev", "alarm_email": alarm_email}
    )
    stack = Stack(App(context=context), "Observed")
    network = Network(stack, "Network", settings=settings)
    rest_api = apigw.RestApi(stack, "Api")
    rest_api.root.add_method("GET")
    Observability(
        stack,
        "Observability",
        settings=settings,
        functions=[],
        queues=Queues(stack, "Queues", settings=settings),
        rest_api=rest_api,
        database=AuroraDatabase(stack, "Database", settings=settings, network=network),
    )
    return Template.from_stack(stack)


@pytest.mark.parametrize("alarm_email", [None, "ops@example.com"])
def test_alarm_email_subscribes_when_configured(alarm_email: str | None) -> None:
    template = observability_template(alarm_email)

    email = [
        s["Properties"]["Endpoint"]
        for s in template.find_resources("AWS::SNS::Subscription").values()
        if s["Properties"]["Protocol"] == "email"
    ]

    assert email == ([alarm_email] if alarm_email else [])


def test_there_is_a_dashboard(synthesised: Synthesised) -> None:
    (dashboard,) = synthesised.resources("AWS::CloudWatch::Dashboard").values()

    assert dashboard["Properties"]["DashboardName"] == f"Mailman-{synthesised.settings.stage}"
