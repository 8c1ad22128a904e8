"""Alarms and the dashboard.

Alarms, all to one SNS topic (and the alarm e-mail, when configured): a message in any
dead-letter queue, any function error or throttle, and the account's SES bounce and
complaint rates, each twice: at the level at which SES reviews the account (warning) and at
the one at which it may pause the account's sending (at risk). The reputation brake
(`mailman.services.reputation`) pauses a single domain before either.

With the scanner deployed, four more: definitions older than `stale_after_hours` (the age
the inbound function reads from clamd's answer as it scans), scans that failed (the scanner
down or timing out: the mail waits and is retried, then quarantined as `scan_failed`), two
definitions runs in a row failing, and a clamd task the load balancer finds unhealthy.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.config import StageSettings
from stacks.database import AuroraDatabase
from stacks.functions import METRICS_NAMESPACE, ServiceFunction
from stacks.queues import Queues
from stacks.scanning import Scanning

PERIOD = Duration.minutes(5)
REPUTATION_PERIOD = Duration.hours(1)
DEFINITIONS_AGE_PERIOD = Duration.hours(1)
SCAN_FAILURES_PERIOD = Duration.minutes(15)
"""Long enough that one mail retried is one datapoint, short enough to page within the
first retries of an outage (the inbound queue retries every `visibility_timeout`)."""


def inbound_metric(
    inbound: ServiceFunction, metric_name: str, statistic: str, period: Duration
) -> cloudwatch.Metric:
    """A metric the inbound function publishes (Powertools, dimension `service`)."""
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=metric_name,
        dimensions_map={"service": f"mailman-{inbound.name}"},
        statistic=statistic,
        period=period,
    )


def ses_reputation(metric_name: str) -> cloudwatch.Metric:
    """The account's SES reputation metric (a ratio, 0 to 1)."""
    return cloudwatch.Metric(
        namespace="AWS/SES",
        metric_name=metric_name,
        statistic=cloudwatch.Stats.MAXIMUM,
        period=REPUTATION_PERIOD,
    )


class Observability(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        functions: Sequence[ServiceFunction],
        queues: Queues,
        rest_api: apigw.RestApi,
        database: AuroraDatabase,
        scanning: Scanning | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._prefix = settings.stack_name
        self.topic = sns.Topic(
            self, "Alarms", display_name=f"{self._prefix} alarms", enforce_ssl=True
        )
        if settings.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
        self._action = actions.SnsAction(self.topic)

        for work in queues.all:
            self._alarm(
                f"{work.name}DeadLetters",
                work.dead_letter_queue.metric_approximate_number_of_messages_visible(
                    period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
                ),
                threshold=1,
                description=f"Messages the {work.name} consumer gave up on wait in its DLQ",
            )
        for service in functions:
            label = "".join(part.capitalize() for part in service.name.split("_"))
            self._alarm(
                f"{label}Errors",
                service.function.metric_errors(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                threshold=1,
                description=f"The {service.name} function failed",
            )
            self._alarm(
                f"{label}Throttles",
                service.function.metric_throttles(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                threshold=1,
                description=f"The {service.name} function was throttled",
            )
        self._alarm(
            "SesBounceRate",
            ses_reputation("Reputation.BounceRate"),
            threshold=settings.bounce_rate_alarm,
            description="SES bounce rate: SES reviews the account at 5%",
        )
        self._alarm(
            "SesComplaintRate",
            ses_reputation("Reputation.ComplaintRate"),
            threshold=settings.complaint_rate_alarm,
            description="SES complaint rate: SES reviews the account at 0.1%",
        )
        self._alarm(
            "SesBounceRateAtRisk",
            ses_reputation("Reputation.BounceRate"),
            threshold=settings.bounce_rate_at_risk_alarm,
            description="SES bounce rate: SES may pause the account's sending at 10%",
        )
        self._alarm(
            "SesComplaintRateAtRisk",
            ses_reputation("Reputation.ComplaintRate"),
            threshold=settings.complaint_rate_at_risk_alarm,
            description="SES complaint rate: SES may pause the account's sending at 0.5%",
        )

        if scanning is not None:
            self._scanning_alarms(scanning)

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=self._prefix)
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests",
                left=[rest_api.metric_count(), rest_api.metric_client_error()],
                right=[rest_api.metric_server_error()],
            ),
            cloudwatch.GraphWidget(
                title="API latency p90",
                left=[
                    rest_api.metric_latency(statistic="p90"),
                    rest_api.metric_integration_latency(statistic="p90"),
                ],
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Function errors and throttles",
                left=[s.function.metric_errors(label=s.name) for s in functions],
                right=[s.function.metric_throttles(label=s.name) for s in functions],
            ),
            cloudwatch.GraphWidget(
                title="Function duration p90",
                left=[s.function.metric_duration(label=s.name, statistic="p90") for s in functions],
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Queue depth and oldest message",
                left=[
                    w.queue.metric_approximate_number_of_messages_visible(label=w.name)
                    for w in queues.all
                ],
                right=[
                    w.queue.metric_approximate_age_of_oldest_message(label=w.name)
                    for w in queues.all
                ],
            ),
            cloudwatch.GraphWidget(
                title="Dead-letter queues",
                left=[
                    w.dead_letter_queue.metric_approximate_number_of_messages_visible(label=w.name)
                    for w in queues.all
                ],
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="SES reputation",
                left=[
                    ses_reputation("Reputation.BounceRate"),
                    ses_reputation("Reputation.ComplaintRate"),
                ],
            ),
            cloudwatch.GraphWidget(
                title="Database capacity (ACU) and connections",
                left=[database.cluster.metric_serverless_database_capacity()],
                right=[database.cluster.metric_database_connections()],
            ),
        )
        if scanning is not None:
            self._scanning_widgets(scanning)

    def _scanning_widgets(self, scanning: Scanning) -> None:
        inbound = scanning.inbound
        metrics = scanning.target_group.metrics
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Scanning: failures and infected messages",
                left=[
                    inbound_metric(inbound, "ScanFailures", cloudwatch.Stats.SUM, PERIOD),
                    inbound_metric(inbound, "MessagesInfected", cloudwatch.Stats.SUM, PERIOD),
                ],
            ),
            cloudwatch.GraphWidget(
                title="Scanning: definitions age (h) and healthy clamd tasks",
                left=[
                    inbound_metric(
                        inbound,
                        "ScanDefinitionsAgeHours",
                        cloudwatch.Stats.MAXIMUM,
                        DEFINITIONS_AGE_PERIOD,
                    )
                ],
                right=[metrics.healthy_host_count(), metrics.un_healthy_host_count()],
            ),
        )

    def _scanning_alarms(self, scanning: Scanning) -> None:
        inbound = scanning.inbound
        stale_after = scanning.settings.stale_after_hours
        # No mail, no scan, no datapoint: nothing was scanned with old definitions then, and
        # a definitions job failing meanwhile has its own alarm (missing: not breaching).
        self._alarm(
            "ScanDefinitionsStale",
            inbound_metric(
                inbound, "ScanDefinitionsAgeHours", cloudwatch.Stats.MAXIMUM, DEFINITIONS_AGE_PERIOD
            ),
            threshold=stale_after,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            description=f"Mail was scanned with ClamAV definitions older than {stale_after} h",
        )
        self._alarm(
            "ScanFailures",
            inbound_metric(inbound, "ScanFailures", cloudwatch.Stats.SUM, SCAN_FAILURES_PERIOD),
            threshold=1,
            description="The scanner was down or timed out: mail waits for a retry, then is"
            " quarantined as scan_failed",
        )
        job_period = Duration.hours(scanning.settings.refresh_hours)
        self._alarm(
            "ScanDefinitionsRefreshErrors",
            scanning.job.metric_errors(period=job_period, statistic=cloudwatch.Stats.SUM),
            threshold=1,
            periods=2,
            description="Two freshclam runs in a row failed: the ClamAV definitions age",
        )
        self._alarm(
            "ScannerUnhealthyHosts",
            scanning.target_group.metrics.un_healthy_host_count(
                period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
            ),
            threshold=1,
            description="A clamd task fails the load balancer's health checks",
        )

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{self._prefix}-{construct_id}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        return alarm
