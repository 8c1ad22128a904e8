"""The composition root: builds a function's adapters once per Lambda container.

Each adapter and service is imported where it is first built, so a function's cold start
imports only what that function uses (the verifier's DNS resolver, the sending services,
the SES adapters are no other function's cost).
"""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailman.adapters.clock import SystemClock
from mailman.config import Settings

if TYPE_CHECKING:
    from mailman.adapters.postgres.database import Database
    from mailman.adapters.s3 import S3BlobStore
    from mailman.adapters.sqs import SqsQueue, SqsWebhookQueue
    from mailman.domain.ratelimit import BlockedAddresses
    from mailman.ports import (
        Clock,
        HostResolver,
        HttpSender,
        ReportQueue,
        Scanner,
        SecretBox,
        TokenVerifier,
        UnitOfWorkFactory,
    )
    from mailman.services.auth.tokens import TokenVerification
    from mailman.services.sending import Outbound, Sending
    from mailman.services.telemetry import Telemetry
    from mailman.services.verify_domain import Verifier


KMS_CONNECT_SECONDS = 2
KMS_READ_SECONDS = 3
KMS_ATTEMPTS = 2
"""A KMS call (a webhook secret sealed or opened) gives up after this many tries of at most
connecting and reading each (about 11 s in all, backoff included), where botocore's defaults
would wait minutes: the dispatcher opens secrets within an attempt's 15 s."""


def _client(service: str, region: str, *, retries: bool = True) -> Any:
    import boto3
    from botocore.config import Config

    # One attempt, no retries, where a repeated call could do twice what it did once.
    config = None if retries else Config(retries={"total_max_attempts": 1})
    return boto3.client(service, region_name=region, config=config)


def _kms_client(region: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=KMS_CONNECT_SECONDS,
        read_timeout=KMS_READ_SECONDS,
        retries={"total_max_attempts": KMS_ATTEMPTS},
    )
    return boto3.client("kms", region_name=region, config=config)


def database_for(settings: Settings, *, prepared_statements: bool = False) -> Database:
    """The database named by `DATABASE_URL`, or by the RDS secret and proxy host."""
    # Imported here: a function that reaches no database (the webhook dispatcher) loads no
    # database driver.
    from mailman.adapters.postgres.database import Database, conninfo_from_secret

    if settings.database_url:
        return Database(settings.database_url, prepared_statements=prepared_statements)
    secret_arn = settings.db_secret_arn
    if not secret_arn:
        raise RuntimeError("set DATABASE_URL, or DB_SECRET_ARN (and DB_HOST) to reach PostgreSQL")

    def resolve() -> str:
        # Read on every (re)connect, so a rotated password is picked up.
        secret = _client("secretsmanager", settings.aws_region).get_secret_value(
            SecretId=secret_arn
        )
        return conninfo_from_secret(
            secret["SecretString"], host=settings.db_host, dbname=settings.db_name
        )

    return Database(resolve, prepared_statements=prepared_statements)


class Container:
    """A function's adapters; each AWS client is made on first use, then kept."""

    def __init__(
        self, settings: Settings, clock: Clock, *, prepared_statements: bool = False
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._prepared_statements = prepared_statements

    @functools.cached_property
    def database(self) -> Database:
        """The database, first reached by the first request that needs it (a public route,
        such as the OpenAPI document, answers where none is configured)."""
        return database_for(self.settings, prepared_statements=self._prepared_statements)

    @functools.cached_property
    def uow(self) -> UnitOfWorkFactory:
        from mailman.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory

        return PostgresUnitOfWorkFactory(self.database)

    @functools.cached_property
    def scanner(self) -> Scanner:
        """clamd at `clamd_address`; without one, scanning is off and every message says so."""
        from mailman.adapters.clamav import ClamdScanner, ScanningOff

        if not self.settings.clamd_address:
            return ScanningOff()
        return ClamdScanner(
            self.settings.clamd_address,
            timeout_seconds=self.settings.scan_timeout_seconds,
            max_stream_bytes=self.settings.scan_max_bytes,
            max_file_bytes=self.settings.scan_max_file_bytes,
        )

    @functools.cached_property
    def blocked_addresses(self) -> BlockedAddresses:
        """Source addresses refused for failed authentications, as far as this container knows."""
        from mailman.domain.ratelimit import BlockedAddresses

        return BlockedAddresses()

    @functools.cached_property
    def token_verifier(self) -> TokenVerifier:
        """Customer-signed tokens' cryptography: PyJWT and `cryptography` are loaded here,
        by the first token or key registration, never by a request with an API key."""
        from mailman.adapters.tokens import PyJwtTokenVerifier

        return PyJwtTokenVerifier()

    @functools.cached_property
    def token_verification(self) -> TokenVerification:
        """What verifying tokens takes, with the keys this container read lately."""
        from mailman.domain.tokens import TokenPolicy
        from mailman.services.auth.tokens import TokenVerification

        policy = TokenPolicy(
            audience=self.settings.token_audience,
            max_lifetime=timedelta(seconds=self.settings.token_max_lifetime_seconds),
        )
        return TokenVerification(self.token_verifier, policy)

    @functools.cached_property
    def blobs(self) -> S3BlobStore:
        from mailman.adapters.s3 import S3BlobStore

        if not self.settings.bucket_name:
            raise RuntimeError("set BUCKET_NAME to store and read mail")
        return S3BlobStore(_client("s3", self.settings.aws_region), self.settings.bucket_name)

    @functools.cached_property
    def queue(self) -> SqsQueue:
        from mailman.adapters.sqs import SqsQueue

        if not self.settings.outbound_queue_url:
            raise RuntimeError("set OUTBOUND_QUEUE_URL to send mail")
        return SqsQueue(_client("sqs", self.settings.aws_region), self.settings.outbound_queue_url)

    @functools.cached_property
    def webhook_queue(self) -> SqsWebhookQueue:
        """`webhooks.fifo`: the dispatcher's work."""
        from mailman.adapters.sqs import SqsWebhookQueue

        if not self.settings.webhook_queue_url:
            raise RuntimeError("set WEBHOOK_QUEUE_URL to deliver webhooks")
        return SqsWebhookQueue(
            _client("sqs", self.settings.aws_region), self.settings.webhook_queue_url
        )

    @functools.cached_property
    def secret_box(self) -> SecretBox:
        """Seals and opens webhook signing secrets: KMS data keys where a key is configured,
        else the local key file."""
        from mailman.adapters.secret_box import KeyFileSecretBox, KmsSecretBox

        if self.settings.webhook_kms_key_id:
            return KmsSecretBox(
                _kms_client(self.settings.aws_region), self.settings.webhook_kms_key_id
            )
        if self.settings.webhook_key_file:
            return KeyFileSecretBox(Path(self.settings.webhook_key_file))
        raise RuntimeError("set WEBHOOK_KMS_KEY_ID (or WEBHOOK_KEY_FILE) to seal webhook secrets")

    @functools.cached_property
    def host_resolver(self) -> HostResolver:
        from mailman.adapters.host_resolver import SystemHostResolver

        return SystemHostResolver()

    @functools.cached_property
    def http_sender(self) -> HttpSender:
        """The webhook dispatcher's HTTP client: its connections kept for the container's
        life, so a warm dispatcher reuses them."""
        from mailman.adapters.http import HttpxSender

        return HttpxSender()

    @functools.cached_property
    def report_queue(self) -> ReportQueue:
        """Where the webhook dispatcher reports its attempts."""
        from mailman.adapters.sqs import SqsReportQueue

        if not self.settings.webhook_reports_queue_url:
            raise RuntimeError("set WEBHOOK_REPORTS_QUEUE_URL to report webhook attempts")
        return SqsReportQueue(
            _client("sqs", self.settings.aws_region), self.settings.webhook_reports_queue_url
        )

    @functools.cached_property
    def sending(self) -> Sending:
        from mailman.services.sending import Sending

        return Sending(self.uow, self.blobs, self.queue, self.clock)

    @functools.cached_property
    def outbound(self) -> Outbound:
        from mailman.adapters.ses import SesMailer
        from mailman.services.sending import Outbound

        region = self.settings.aws_region
        mailer = SesMailer(
            _client("sesv2", region, retries=False), self.settings.ses_configuration_set
        )
        return Outbound(self.uow, self.blobs, mailer, self.clock, region)

    @functools.cached_property
    def telemetry(self) -> Telemetry:
        from mailman.services.telemetry import Telemetry

        return Telemetry(self.uow, self.clock, self.settings.aws_region, brake=self.settings.brake)

    @functools.cached_property
    def verifier(self) -> Verifier:
        from mailman.adapters.dns import DnsPythonResolver
        from mailman.adapters.ses import SesDomainIdentities, SesReceiptRecipients
        from mailman.services.verify_domain import Verifier

        settings = self.settings
        receipt = None
        if settings.receipt_rule_set_name and settings.receipt_rule_name:
            receipt = SesReceiptRecipients(
                _client("ses", settings.aws_region),
                settings.receipt_rule_set_name,
                settings.receipt_rule_name,
            )
        nameservers = [n.strip() for n in settings.dns_nameservers.split(",") if n.strip()]
        return Verifier(
            identities=SesDomainIdentities(
                _client("sesv2", settings.aws_region), settings.ses_configuration_set
            ),
            resolver=DnsPythonResolver(nameservers, timeout_seconds=settings.dns_timeout_seconds),
            receipt=receipt,
        )


def build_container(
    settings: Settings | None = None, *, prepared_statements: bool = False
) -> Container:
    """A function's adapters; `prepared_statements` as `Database` explains."""
    return Container(settings or Settings(), SystemClock(), prepared_statements=prepared_statements)
