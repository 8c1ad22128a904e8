"""How the background functions are wired: queue consumers and the verifier's schedule.

A capability that brings a worker builds its `ServiceFunction` with its queue's consumer
timeout and attaches it here:

    workers.consume(queues.inbound, inbound.function)
    workers.schedule_verifier(verifier.function)
    workers.schedule_dispatcher(dispatcher.function)
    workers.schedule_webhook_sweep(sweep.function)
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from constructs import Construct

from stacks.config import StageSettings
from stacks.queues import WorkQueue


class Workers(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: StageSettings) -> None:
        super().__init__(scope, construct_id)
        self._settings = settings

    def consume(self, work: WorkQueue, function: lambda_.Function) -> None:
        """Let `function` take `work`'s messages in batches, retrying only the failed ones."""
        timeout = function.timeout
        if timeout is None or timeout.to_seconds() > work.consumer.timeout_seconds:
            raise ValueError(
                f"the {work.name} consumer must time out within"
                f" {work.consumer.timeout_seconds}s, the queue's visibility timeout assumes it"
            )
        function.add_event_source(
            event_sources.SqsEventSource(
                work.queue,
                batch_size=work.consumer.batch_size,
                max_concurrency=work.consumer.max_concurrency,
                report_batch_item_failures=True,
            )
        )

    def schedule_verifier(self, function: lambda_.Function) -> events.Rule:
        """Run `function` every `verifier_interval_minutes` with an EventBridge scheduled event."""
        interval = Duration.minutes(self._settings.verifier_interval_minutes)
        return events.Rule(
            self,
            "VerifierSchedule",
            description="Mailman: checks the domains whose verification is due",
            schedule=events.Schedule.rate(interval),
            # A missed run is made up by the next one: no retries that would overlap it.
            targets=[targets.LambdaFunction(function, retry_attempts=0)],
        )

    def schedule_dispatcher(self, function: lambda_.Function) -> events.Rule:
        """Run `function` every minute: scheduled mail is queued within the minute it falls
        due (the queue's delay makes up the seconds)."""
        return events.Rule(
            self,
            "DispatcherSchedule",
            description="Mailman: queues outgoing mail as it falls due",
            schedule=events.Schedule.rate(Duration.minutes(1)),
            targets=[targets.LambdaFunction(function, retry_attempts=0)],
        )

    def schedule_webhook_sweep(self, function: lambda_.Function) -> events.Rule:
        """Run `function` every minute (43,200 runs a month): webhook deliveries whose retry
        is due, or whose claim lapsed, go back on `webhooks.fifo` within the minute."""
        return events.Rule(
            self,
            "WebhookSweepSchedule",
            description="Mailman: re-queues the webhook deliveries that are due",
            schedule=events.Schedule.rate(Duration.minutes(1)),
            targets=[targets.LambdaFunction(function, retry_attempts=0)],
        )
