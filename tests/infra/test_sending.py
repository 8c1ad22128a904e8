"""Sending in the stack: the outbound function on its queue with SES sending rights, the
dispatcher every minute, the telemetry function on the events queue, the API queuing."""

from __future__ import annotations

from typing import Any

from .support import Synthesised, actions_of, queue_arns, resources_of


def _mapping_of(synthesised: Synthesised, function: Any) -> dict[str, Any]:
    function_id = synthesised.logical_id(function)
    (mapping,) = [
        m["Properties"]
        for m in synthesised.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    return mapping


def test_outbound_function_takes_the_outbound_queue_reporting_item_failures(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack

    mapping = _mapping_of(synthesised, stack.sending.outbound.function)

    assert mapping["EventSourceArn"] == stack.resolve(stack.queues.outbound.queue.queue_arn)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_outbound_function_sends_through_the_configuration_set_only(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    function = stack.sending.outbound.function
    env = synthesised.properties(function)["Environment"]["Variables"]

    (ses,) = [s for s in synthesised.statements(function) if "ses:SendEmail" in actions_of(s)]

    assert env["SES_CONFIGURATION_SET"] == f"mailman-{synthesised.settings.stage}"
    assert env["BUCKET_NAME"] == stack.resolve(stack.storage.bucket.bucket_name)
    assert sorted(actions_of(ses)) == ["ses:SendEmail", "ses:SendRawEmail"]
    resources = [r["Fn::Join"][1][-1] for r in ses["Resource"]]
    assert sorted(resources) == sorted(
        [":identity/*", f":configuration-set/mailman-{synthesised.settings.stage}"]
    )


def test_dispatcher_runs_every_minute_and_may_queue_outbound_mail(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    function = stack.sending.dispatcher.function
    target = stack.resolve(function.function_arn)

    (rule,) = [
        r["Properties"]
        for r in synthesised.resources("AWS::Events::Rule").values()
        if any(t["Arn"] == target for t in r["Properties"]["Targets"])
    ]
    sends = [s for s in synthesised.statements(function) if "sqs:SendMessage" in actions_of(s)]

    assert rule["ScheduleExpression"] == "rate(1 minute)"
    assert resources_of(sends) == queue_arns(
        synthesised, stack.queues.outbound, stack.queues.webhooks
    )


def test_dispatcher_may_list_and_delete_raw_mail_and_attachments_to_erase_them(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    function = stack.sending.dispatcher.function

    env = synthesised.properties(function)["Environment"]["Variables"]
    statements = synthesised.statements(function)
    (delete,) = [s for s in statements if "s3:DeleteObject" in actions_of(s)]
    (listing,) = [s for s in statements if "s3:ListBucket" in actions_of(s)]

    assert env["BUCKET_NAME"] == stack.resolve(stack.storage.bucket.bucket_name)
    assert actions_of(delete) == ["s3:DeleteObject"]
    assert sorted(r["Fn::Join"][1][-1] for r in delete["Resource"]) == ["/attachments/*", "/raw/*"]
    assert actions_of(listing) == ["s3:ListBucket"]
    assert not [s for s in statements if "s3:GetObject" in actions_of(s)]


def test_api_function_queues_outbound_mail(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    function = stack.api.function.function

    env = synthesised.properties(function)["Environment"]["Variables"]
    sends = [s for s in synthesised.statements(function) if "sqs:SendMessage" in actions_of(s)]

    assert env["OUTBOUND_QUEUE_URL"] == stack.resolve(stack.queues.outbound.queue.queue_url)
    assert resources_of(sends) == queue_arns(
        synthesised, stack.queues.outbound, stack.queues.webhooks
    )


def test_telemetry_function_takes_the_events_queue(synthesised: Synthesised) -> None:
    stack = synthesised.stack

    mapping = _mapping_of(synthesised, stack.sending.telemetry.function)

    assert mapping["EventSourceArn"] == stack.resolve(stack.queues.telemetry.queue.queue_arn)
