"""Settings of a function, read from its environment once per container."""

from __future__ import annotations

from datetime import timedelta

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from mailman.domain.ratelimit import (
    DEFAULT_MAX_API_KEYS,
    DEFAULT_ORGANIZATION_PER_MINUTE,
    DEFAULT_PER_MINUTE,
    OrganizationLimits,
)
from mailman.domain.reputation import BrakeSettings

_BRAKE = BrakeSettings()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str | None = None
    """A libpq connection string; when unset, `db_secret_arn` (and `db_host`) are used."""
    db_secret_arn: str | None = None
    db_host: str | None = None
    db_name: str = "mailman"
    stage: str = "dev"
    rate_limit_per_minute: int = Field(default=DEFAULT_PER_MINUTE, ge=1)
    """Requests a minute of an API key without a limit of its own."""
    organization_rate_limit_per_minute: int = Field(default=DEFAULT_ORGANIZATION_PER_MINUTE, ge=1)
    """Requests a minute over all the keys of an organisation without a limit of its own."""
    max_api_keys_per_organization: int = Field(default=DEFAULT_MAX_API_KEYS, ge=1)
    """Live API keys an organisation without a cap of its own may hold."""
    token_audience: str = Field(default="mailman", min_length=1)
    """What a customer-signed token's `aud` must name (`TOKEN_AUDIENCE`): one per
    deployment, so that a token minted for one is refused by another."""
    token_max_lifetime_seconds: int = Field(default=86_400, ge=60, le=7 * 86_400)
    """The longest a token may live, `exp` less `iat` (`TOKEN_MAX_LIFETIME_SECONDS`)."""
    max_request_bytes: int = Field(default=1_048_576, ge=1024)
    """Largest request body the JSON API accepts (larger uploads go straight to S3)."""
    aws_region: str = Field(
        default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION")
    )
    bucket_name: str | None = None
    """The bucket of raw mail (`raw/`) and attachments (`attachments/`)."""
    ses_configuration_set: str | None = None
    outbound_queue_url: str | None = None
    """The queue the API and the dispatcher put outgoing mail's ids on."""
    receipt_rule_set_name: str | None = None
    receipt_rule_name: str | None = None
    """The inbound receipt rule whose recipients the verifier keeps in step."""
    webhook_queue_url: str | None = None
    """`webhooks.fifo`: the dispatcher's work (FIFO, grouped by endpoint and thread)."""
    webhook_reports_queue_url: str | None = None
    """Where the dispatcher reports each attempt, for the database side to record."""
    webhook_kms_key_id: str | None = None
    """The KMS key whose data keys seal webhook signing secrets (deployed stages)."""
    webhook_key_file: str | None = None
    """A key file that seals webhook signing secrets instead of KMS (the local platform)."""
    webhook_allow_private: bool = False
    """Let webhooks go to `http` and to loopback and private addresses: the local platform's
    receivers. Off in every deployed stage."""
    api_base_url: str = ""
    """The API's public address, for the links a webhook carries (relative when empty)."""
    dns_nameservers: str = ""
    """Comma-separated "host[:port]" name servers; the system's resolvers when empty."""
    dns_timeout_seconds: float = Field(default=2.0, gt=0, le=10)
    cors_origins: str = ""
    """Comma-separated origins browsers may call the API from; none when empty."""
    reserved_domains: str = ""
    """Comma-separated domains of the platform's own (the receipt rule's configured ones):
    no organisation may add them, or any name under them."""
    clamd_address: str | None = None
    """Where ClamAV's daemon listens: `tcp://host:port` or `unix:///path`. Unset, scanning is
    off, and every received message says so (`scan.verdict` "off"), never "pass"."""
    scan_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    """The longest one wait on clamd may take (connecting, sending a part, its answer)."""
    scan_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    """clamd's `StreamMaxLength`: a part longer than this is not sent, and is unscanned."""
    scan_max_file_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    """clamd's `MaxFileSize`: a zip member larger than this is scanned by ClamAV only in part,
    without an alert, so a part holding one is recorded unscanned."""
    scan_attempts: int = Field(default=4, ge=1, le=100)
    """The receives of one mail the scanner may fail (down, timing out) before the mail is
    quarantined as `scan_failed`; below the inbound queue's receives before its dead-letter
    queue, so the mail is stored and visible rather than parked."""
    brake_bounce_rate: float = Field(default=_BRAKE.bounce_rate, gt=0, le=1)
    """The reputation brake pauses a domain whose bounce rate (hard bounces out of sent)
    reaches this over its window (`BRAKE_BOUNCE_RATE`; SES reviews an account at 0.05)."""
    brake_complaint_rate: float = Field(default=_BRAKE.complaint_rate, gt=0, le=1)
    """... or whose complaint rate reaches this (`BRAKE_COMPLAINT_RATE`; SES: 0.001)."""
    brake_window_hours: int = Field(
        default=int(_BRAKE.window / timedelta(hours=1)), ge=1, le=24 * 30
    )
    """The hours the brake reads, up to the present one (`BRAKE_WINDOW_HOURS`)."""
    brake_min_sent: int = Field(default=_BRAKE.min_sent, ge=1)
    """Recipients sent in the window below which the brake does not judge
    (`BRAKE_MIN_SENT`)."""
    brake_min_events: int = Field(default=_BRAKE.min_events, ge=1)
    """Hard bounces (or complaints) in the window below which their rate does not trip the
    brake (`BRAKE_MIN_EVENTS`)."""

    @property
    def reserved_domain_names(self) -> list[str]:
        return [d.strip() for d in self.reserved_domains.split(",") if d.strip()]

    @property
    def brake(self) -> BrakeSettings:
        """When the reputation brake pauses a domain's sending."""
        return BrakeSettings(
            bounce_rate=self.brake_bounce_rate,
            complaint_rate=self.brake_complaint_rate,
            window=timedelta(hours=self.brake_window_hours),
            min_sent=self.brake_min_sent,
            min_events=self.brake_min_events,
        )

    @property
    def organization_limits(self) -> OrganizationLimits:
        """What an organisation without limits of its own may do."""
        return OrganizationLimits(
            rate_limit_per_minute=self.organization_rate_limit_per_minute,
            max_api_keys=self.max_api_keys_per_organization,
        )
