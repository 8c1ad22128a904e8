"""The runtime the SQS-driven and scheduled functions share: tracing, imports, batches."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from functions.runtime import process_batch, process_whole_batch, tracing
from local.apigw import LambdaContext

HANDLERS = [
    "dispatcher",
    "inbound",
    "migrate",
    "outbound",
    "telemetry",
    "verifier",
    "webhook_reports",
    "webhook_sweep",
    "webhooks",
]


@pytest.mark.parametrize(
    ("environment", "traced"),
    [
        ({}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "1"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
    ],
)
def test_x_ray_traces_only_in_lambda_unless_disabled(
    environment: dict[str, str], traced: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE_DISABLED", "AWS_SAM_LOCAL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert tracing() is traced


def _run(code: str, *, traced: bool) -> str:
    """What a fresh process running `code` prints: untraced, or traced as in Lambda."""
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true"}
    if traced:
        env = {**os.environ, "LAMBDA_TASK_ROOT": "/var/task"}
        env.pop("POWERTOOLS_TRACE_DISABLED", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def _loaded_after_importing(
    handlers: list[str], modules: list[str], then: str = "", *, traced: bool = False
) -> list[str]:
    """Which of `modules` a fresh process has loaded once it imported `handlers` (and ran
    `then`)."""
    code = "\n".join(
        [*(f"import functions.{name}.handler" for name in handlers), then, "import sys"]
        + [f"if {m!r} in sys.modules: print({m!r})" for m in modules]
    )
    return _run(code, traced=traced).split()


def test_no_handler_loads_the_x_ray_sdk_where_tracing_is_off() -> None:
    assert _loaded_after_importing(HANDLERS, ["aws_xray_sdk"]) == []


def test_the_apis_first_request_loads_no_openapi_models_contract_nor_x_ray_sdk() -> None:
    first_request = (
        "from local.apigw import LambdaContext, proxy_event\n"
        "functions.api.handler.handler(proxy_event('GET', '/health'), LambdaContext('api'))"
    )

    loaded = _loaded_after_importing(
        ["api"],
        [
            "aws_lambda_powertools.event_handler.openapi.models",
            "functions.api.contract",
            "aws_xray_sdk",
        ],
        first_request,
    )

    assert loaded == []


def test_only_the_verifier_loads_the_dns_resolver() -> None:
    others = [name for name in HANDLERS if name != "verifier"]

    assert _loaded_after_importing(others, ["dns.resolver"]) == []


@pytest.mark.parametrize("traced", [False, True], ids=["untraced", "traced"])
def test_the_webhook_dispatcher_loads_no_database_driver(traced: bool) -> None:
    # It runs outside the VPC: nothing of it should so much as import the driver, X-Ray's
    # patches included.
    loaded = _loaded_after_importing(["webhooks"], ["psycopg", "psycopg_binary"], traced=traced)

    assert loaded == []


def test_a_traced_function_traces_postgresql_once_it_imports_the_driver() -> None:
    code = "import functions.runtime, psycopg\nprint(type(psycopg.connect).__name__)"

    assert _run(code, traced=True).split() == ["FunctionWrapper"]


def test_importing_the_ports_loads_no_domain_module() -> None:
    # The ports name the domain's types for type checking only; a function loads the domain
    # its requests use.
    code = "import mailman.ports, sys\nprint(*sorted(m for m in sys.modules if '.domain' in m))"

    assert _run(code, traced=False).split() == []


def test_a_unit_of_work_imports_only_the_repositories_it_uses() -> None:
    code = (
        "import sys\n"
        "from mailman.adapters.postgres.unit_of_work import PostgresUnitOfWork\n"
        "work = PostgresUnitOfWork(object(), None)\n"
        "work.events.append, work.events.append\n"
        "print(*sorted(m for m in sys.modules if m.startswith('mailman.adapters.postgres.')))"
    )

    assert _run(code, traced=False).split() == [
        "mailman.adapters.postgres.database",
        "mailman.adapters.postgres.events",
        "mailman.adapters.postgres.unit_of_work",
    ]


@pytest.mark.parametrize("traced", [False, True], ids=["untraced", "traced"])
def test_the_webhook_sweep_and_recorder_load_no_mail_or_api_models(traced: bool) -> None:
    # Up to where they connect: a database named, never reached.
    first_requests = (
        "import os\nos.environ['DATABASE_URL'] = 'postgresql://nowhere.invalid/mailman'\n"
        "functions.webhook_sweep.handler.container().uow\n"
        "functions.webhook_reports.handler.container().uow"
    )
    loaded = _loaded_after_importing(
        ["webhook_sweep", "webhook_reports"],
        [
            "email_validator",
            "mailman.domain.messages",
            "mailman.domain.mailbox",
            "mailman.domain.event_payloads",
            "mailman.domain.webhook_views",
        ],
        first_requests,
        traced=traced,
    )

    assert loaded == []


def test_the_webhook_dispatcher_loads_no_model_of_the_database_side() -> None:
    loaded = _loaded_after_importing(
        ["webhooks"],
        ["mailman.domain.events", "mailman.domain.event_payloads", "mailman.domain.webhook_views"],
    )

    assert loaded == []


def test_the_apis_first_request_loads_no_other_routes_use_case_or_models() -> None:
    first_request = (
        "from local.apigw import LambdaContext, proxy_event\n"
        "functions.api.handler.handler(proxy_event('GET', '/health'), LambdaContext('api'))"
    )

    loaded = _loaded_after_importing(
        ["api"],
        [
            "mailman.domain.event_payloads",
            "mailman.domain.webhook_views",
            "mailman.domain.webhook_work",
            "mailman.services.verify_domain",
            "mailman.services.mailbox",
            "mailman.services.mailbox_state",
            "mailman.services.mailbox_trash",
            "mailman.services.webhooks.endpoints",
            "mailman.services.webhooks.log",
            "mailman.services.auth.auth_keys",
        ],
        first_request,
    )

    assert loaded == []


def test_the_inbound_function_loads_no_address_validator() -> None:
    # It routes by inbox and domain names: email-validator (about 20 ms of a cold start)
    # serves the functions that check whole addresses. Up to where it connects, with the
    # repository routing reads (which loads the domain name rules).
    first_request = (
        "import os\nos.environ['DATABASE_URL'] = 'postgresql://nowhere.invalid/mailman'\n"
        "functions.inbound.handler.container().uow\n"
        "import mailman.adapters.postgres.inboxes, mailman.mime.parsing"
    )

    loaded = _loaded_after_importing(
        ["inbound"],
        ["email_validator", "mailman.domain.outbound", "mailman.mime.composing"],
        first_request,
    )

    assert loaded == []


def _event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"h{i}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def _fail_on_bad(record: SQSRecord) -> None:
    if record.body == "bad":
        raise ValueError(record.body)


def test_only_the_records_that_failed_come_back() -> None:
    answer = process_batch(_event("good", "bad", "good"), LambdaContext("f"), _fail_on_bad)

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


def test_a_batch_that_failed_whole_comes_back_whole() -> None:
    answer = process_batch(_event("bad", "bad"), LambdaContext("f"), _fail_on_bad)

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m0"}, {"itemIdentifier": "m1"}]}


def test_a_batch_that_failed_whole_may_fail_the_invocation() -> None:
    with pytest.raises(BatchProcessingError):
        process_batch(
            _event("bad", "bad"),
            LambdaContext("f"),
            _fail_on_bad,
            raise_on_entire_batch_failure=True,
        )


def test_a_whole_batch_handled_at_once_answers_the_records_it_names_failed() -> None:
    seen: list[list[str]] = []

    def handle(records: list[SQSRecord]) -> list[str]:
        seen.append([r.body for r in records])
        return [r.message_id for r in records if r.body == "bad"]

    answer = process_whole_batch(_event("good", "bad", "good", "bad"), handle)

    assert seen == [["good", "bad", "good", "bad"]]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]}
