"""The deployment's settings: the `cdk.json` context of one stage, read through a typed model.

`cdk.json` holds `"stage"` (the one to build, `-c stage=prod` overrides it) and, under
`"mailman"`, one block per stage. Everything that is not in a block takes the default below.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_cdk import aws_logs as logs
from constructs import Node
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

CONTEXT_KEY = "mailman"
DEFAULT_STAGE = "dev"

RETENTION_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
"""The retention periods CloudWatch Logs offers, in days."""

DomainName = Annotated[
    str,
    StringConstraints(
        to_lower=True,
        max_length=253,
        pattern=r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$",
    ),
]
Origin = Annotated[str, StringConstraints(pattern=r"^(\*|https?://[^/\s]+)$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsumerSettings(_Model):
    """How the Lambda consumer of one queue runs; the queue's visibility timeout follows it."""

    timeout_seconds: int = Field(ge=1, le=900)
    memory_mb: int = Field(default=512, ge=128, le=10240)
    batch_size: int = Field(default=10, ge=1, le=10)
    max_concurrency: int = Field(default=5, ge=2, le=1000)
    max_receive_count: int = Field(default=5, ge=1, le=1000)
    """Receives before a message moves to the dead-letter queue."""

    @property
    def visibility_timeout_seconds(self) -> int:
        """Six times the consumer's timeout, as Lambda's SQS guidance asks."""
        return 6 * self.timeout_seconds


class QueueSettings(_Model):
    inbound: ConsumerSettings = ConsumerSettings(timeout_seconds=120, batch_size=10)
    outbound: ConsumerSettings = ConsumerSettings(timeout_seconds=60)
    # An identity notification that overtakes its hand-off's record comes back until the
    # confirmation window (30 minutes) has passed: eight receives, six minutes apart, outlast it.
    telemetry: ConsumerSettings = ConsumerSettings(timeout_seconds=60, max_receive_count=8)
    webhooks: ConsumerSettings = ConsumerSettings(timeout_seconds=180, max_concurrency=10)
    """The webhook dispatcher, outside the VPC. One attempt takes up to 15 s and the items of
    one message group are attempted one after the other, so a batch of one slow receiver's
    thread takes up to `batch_size` times that: the timeout covers it (`stacks/webhooks.py`
    holds it there), so that batch is not cut short and sent again to every receiver in it."""
    webhook_reports: ConsumerSettings = ConsumerSettings(timeout_seconds=30)
    """The recorder of the dispatcher's reports, in the VPC (a database connection each)."""


class ApiSettings(_Model):
    timeout_seconds: int = Field(default=15, ge=1, le=29)
    """API Gateway gives up on an integration after 29 seconds."""
    memory_mb: int = Field(default=1024, ge=128, le=10240)
    throttle_rate_limit: int = Field(default=100, ge=1)
    """Requests per second the stage accepts in the steady state, for all callers together."""
    throttle_burst_limit: int = Field(default=200, ge=1)
    rate_limit_per_minute: int = Field(default=100, ge=1, le=100_000)
    """Per API key without a limit of its own, enforced by the function (token bucket in
    Postgres)."""
    organization_rate_limit_per_minute: int = Field(default=600, ge=1, le=100_000)
    """Per organisation without a limit of its own, over all its keys (a bucket beside each
    key's); a key's own limit may not exceed its organisation's."""
    max_api_keys_per_organization: int = Field(default=100, ge=1, le=10_000)
    """Live API keys an organisation without a cap of its own may hold."""
    token_audience: str = Field(default="mailman", min_length=1, max_length=200)
    """What customer-signed tokens must name in `aud`: give each deployment its own, so a
    token minted for one is refused by another."""
    token_max_lifetime_seconds: int = Field(default=86_400, ge=60, le=7 * 86_400)
    """The longest a token may live (`exp` less `iat`)."""
    web_acl: bool = False
    """A WAF web ACL on the stage that blocks any source address sending more than
    `web_acl_requests_per_minute`. It costs a monthly fee (about $6 and $0.60 per million
    requests), so `prod` has it and the cheaper stages rely on the stage's throttling and
    the function's own limits."""
    web_acl_requests_per_minute: int = Field(default=1200, ge=10, le=2_000_000_000)
    """Requests one source address may send in a minute before the web ACL blocks it (429)."""


class DatabaseSettings(_Model):
    min_capacity: float = Field(default=0, ge=0, le=256)
    """Aurora capacity units; 0 lets the writer pause when idle (PostgreSQL 18 allows it)."""
    max_capacity: float = Field(default=4, ge=1, le=256)
    backup_retention_days: int = Field(default=7, ge=1, le=35)


class StorageSettings(_Model):
    raw_retention_days: int = Field(default=365, ge=1)
    attachments_retention_days: int = Field(default=730, ge=1)


FARGATE_MEMORY_MB: dict[int, tuple[int, int]] = {
    512: (1024, 4096),
    1024: (2048, 8192),
    2048: (4096, 16384),
    4096: (8192, 30720),
}
"""The memory Fargate accepts with each CPU size."""


class ScanningSettings(_Model):
    """The ClamAV scanner (`stacks/scanning.py`): clamd on Fargate behind an internal NLB,
    its definitions refreshed by a scheduled freshclam into S3."""

    enabled: bool = True
    """Off: no scanner, no definitions job, no ECR and Logs endpoints, and the inbound
    function records every message's scan as `off` (never `pass`). It costs about $94 a
    month with one task and $125 with two (`docs/cost.md`)."""
    desired_count: int = Field(default=1, ge=1, le=10)
    """clamd tasks; two (one per AZ) survive a task's or an AZ's loss and a reload."""
    cpu: Literal[512, 1024, 2048, 4096] = 1024
    """Fargate CPU units of a task (1024 is one vCPU)."""
    memory_mb: int = Field(default=3072, ge=2048, le=30720)
    """clamd holds the loaded definitions (about 1.2 GB) and, during a reload, a second
    copy beside them until the swap (`ConcurrentDatabaseReload`)."""
    attempts: int = Field(default=4, ge=1, le=100)
    """Receives of one mail the scanner may fail before the mail is quarantined as
    `scan_failed` (`SCAN_ATTEMPTS`); below the inbound queue's `max_receive_count`, so the
    mail is stored and visible before the queue would park it in its dead-letter queue."""
    timeout_seconds: float = Field(default=10, gt=0, le=60)
    """The inbound function's longest wait on clamd (`SCAN_TIMEOUT_SECONDS`); the clamd image
    gives up a part itself before it (`MaxScanTime`) and answers it unscanned."""
    refresh_hours: int = Field(default=3, ge=1, le=24)
    """How often freshclam looks for new definitions (ClamAV publishes a few a day and asks
    mirrors to check no more than once an hour)."""
    stale_after_hours: int = Field(default=48, ge=2, le=24 * 14)
    """Definitions older than this raise the stale-definitions alarm."""

    @model_validator(mode="after")
    def _memory_fits_the_cpu(self) -> ScanningSettings:
        low, high = FARGATE_MEMORY_MB[self.cpu]
        if not low <= self.memory_mb <= high:
            raise ValueError(f"a task of {self.cpu} CPU units takes {low} to {high} MB of memory")
        return self


class StageSettings(_Model):
    """One stage of Mailman."""

    stage: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,19}$")]
    region: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
    account: Annotated[str, StringConstraints(pattern=r"^\d{12}$")] | None = None
    """Unset: the account of the credentials `cdk deploy` runs with."""
    mail_domains: list[DomainName] = Field(min_length=1, max_length=100)
    """Domains whose mail SES receives (the receipt rule's recipients)."""
    alarm_email: EmailStr | None = None
    log_retention_days: int = 30
    """One of the periods CloudWatch Logs offers (`RETENTION_DAYS`)."""
    log_level: Literal["DEBUG", "INFO", "WARN", "ERROR"] = "INFO"
    """For Lambda's application log filter and Powertools alike."""
    cors_origins: list[Origin] = []
    verifier_interval_minutes: int = Field(default=1, ge=1, le=1440)
    bounce_rate_alarm: float = Field(default=0.05, gt=0, lt=1)
    """SES reviews an account at a 5% bounce rate and may pause sending at 10%."""
    complaint_rate_alarm: float = Field(default=0.001, gt=0, lt=1)
    """SES reviews an account at a 0.1% complaint rate and may pause sending at 0.5%."""
    bounce_rate_at_risk_alarm: float = Field(default=0.10, gt=0, lt=1)
    """A second, louder alarm: the bounce rate at which SES may pause the account (10%)."""
    complaint_rate_at_risk_alarm: float = Field(default=0.005, gt=0, lt=1)
    """... and the complaint rate at which it may (0.5%)."""
    api: ApiSettings = ApiSettings()
    database: DatabaseSettings = DatabaseSettings()
    queues: QueueSettings = QueueSettings()
    storage: StorageSettings = StorageSettings()
    scanning: ScanningSettings = ScanningSettings()

    @field_validator("log_retention_days")
    @classmethod
    def _offered_by_cloudwatch(cls, days: int) -> int:
        if days not in RETENTION_DAYS:
            raise ValueError(f"CloudWatch Logs keeps logs for one of {sorted(RETENTION_DAYS)} days")
        return days

    @model_validator(mode="after")
    def _at_risk_above_warning(self) -> StageSettings:
        if self.bounce_rate_at_risk_alarm <= self.bounce_rate_alarm:
            raise ValueError("bounce_rate_at_risk_alarm must be above bounce_rate_alarm")
        if self.complaint_rate_at_risk_alarm <= self.complaint_rate_alarm:
            raise ValueError("complaint_rate_at_risk_alarm must be above complaint_rate_alarm")
        return self

    @model_validator(mode="after")
    def _scan_failed_before_dead_letters(self) -> StageSettings:
        receives = self.queues.inbound.max_receive_count
        if self.scanning.attempts >= receives:
            raise ValueError(
                f"scanning.attempts must be below queues.inbound.max_receive_count ({receives}):"
                " a mail the scanner keeps failing is quarantined as scan_failed on its last"
                " attempt, before the queue moves it to the dead-letter queue"
            )
        return self

    @property
    def is_dev(self) -> bool:
        """`dev` and `dev-<name>` stages: no deletion protection."""
        return self.stage == DEFAULT_STAGE or self.stage.startswith(f"{DEFAULT_STAGE}-")

    @property
    def log_retention(self) -> logs.RetentionDays:
        return RETENTION_DAYS[self.log_retention_days]

    @property
    def stack_name(self) -> str:
        return f"Mailman-{self.stage}"

    @property
    def resource_name(self) -> str:
        """The name of the stage's named resources (REST API, database cluster, SES sets)."""
        return f"mailman-{self.stage}"


def load_settings(node: Node) -> StageSettings:
    """Read the settings of the selected stage from the app's context."""
    stage = str(node.try_get_context("stage") or DEFAULT_STAGE)
    stages: dict[str, Any] = node.try_get_context(CONTEXT_KEY) or {}
    if stage not in stages:
        known = ", ".join(sorted(stages)) or "none"
        raise KeyError(f"cdk.json context {CONTEXT_KEY!r} has no stage {stage!r} (known: {known})")
    return StageSettings.model_validate({**stages[stage], "stage": stage})
