"""Integration fixtures: the real API handler over a real database, driven by proxy events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
from moto import mock_aws

from functions.api import dependencies
from functions.api import handler as api_handler
from functions.runtime import CachedContainer
from local import ses_simulator
from local.apigw import LambdaContext, ProxyResult, proxy_event
from local.aws import RULE, RULE_SET
from local.clamd import ClamdLimits, ClamdUnavailable, LocalClamd
from local.dns_server import LocalDnsServer
from local.dns_zone import LocalZone
from mailman.adapters.ses import NO_RECIPIENTS
from mailman.composition import Container, build_container
from mailman.config import Settings
from mailman.services import domains, inboxes, organizations
from mailman.services.auth import api_keys

from .mail_helpers import MailSink


@dataclass(frozen=True)
class Response:
    result: ProxyResult

    @property
    def status(self) -> int:
        return self.result.status

    def json(self) -> Any:
        return json.loads(self.result.body)

    def header(self, name: str) -> str | None:
        return self.result.header(name)


class ApiClient:
    """Calls `functions/api/handler.handler` with API Gateway REST proxy events, from
    `source_ip` (the event's `requestContext.identity.sourceIp`)."""

    def __init__(self, key: str | None = None, *, source_ip: str = "127.0.0.1") -> None:
        self.key = key
        self.source_ip = source_ip

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        raw_body: bytes | None = None,
        query: str = "",
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        chosen = key if key is not None else self.key
        if chosen:
            all_headers["Authorization"] = f"Bearer {chosen}"
        body = (
            raw_body
            if raw_body is not None
            else (json.dumps(json_body).encode() if json_body is not None else None)
        )
        event = proxy_event(
            method,
            path,
            query=query,
            headers=all_headers.items(),
            body=body,
            source_ip=self.source_ip,
        )
        result = api_handler.handler(event, LambdaContext(function_name="mailman-api"))
        return Response(ProxyResult.of(result))

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> Response:
        return self.request("POST", path, json_body=json_body, **kwargs)

    def patch(self, path: str, json_body: Any = None, **kwargs: Any) -> Response:
        return self.request("PATCH", path, json_body=json_body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)


@dataclass(frozen=True)
class Tenant:
    organization_id: Any
    key: str
    api: ApiClient


BUCKET = "mailman-test"


@dataclass(frozen=True)
class LocalAwsForTests:
    zone: LocalZone
    dns: LocalDnsServer

    def ses(self) -> Any:
        return boto3.client("ses", region_name="us-east-1")

    def sesv2(self) -> Any:
        return boto3.client("sesv2", region_name="us-east-1")


@pytest.fixture
def aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAwsForTests]:
    """moto for every AWS API (SES behaving as in `local.ses_simulator`), a local DNS zone
    served on 127.0.0.1, the inbound receipt rule, and the environment pointing at them."""
    zone = LocalZone(tmp_path / "zone.json")
    ses_simulator.install(zone)
    dns = LocalDnsServer(zone).start()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "DNS_NAMESERVERS": dns.address,
        "DNS_TIMEOUT_SECONDS": "1",
        "RECEIPT_RULE_SET_NAME": RULE_SET,
        "RECEIPT_RULE_NAME": RULE,
        "BUCKET_NAME": BUCKET,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        ses = boto3.client("ses", region_name="us-east-1")
        ses.create_receipt_rule_set(RuleSetName=RULE_SET)
        ses.create_receipt_rule(
            RuleSetName=RULE_SET,
            Rule={"Name": RULE, "Enabled": True, "Recipients": [NO_RECIPIENTS], "Actions": []},
        )
        yield LocalAwsForTests(zone, dns)
    dns.stop()


@dataclass(frozen=True)
class BareAws:
    """moto alone, without the platform's set-up: S3 and SQS clients and one bucket."""

    s3: Any
    sqs: Any
    bucket: str = "mail"


@pytest.fixture
def bare_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[BareAws]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        found = BareAws(
            boto3.client("s3", region_name="us-east-1"),
            boto3.client("sqs", region_name="us-east-1"),
        )
        found.s3.create_bucket(Bucket=found.bucket)
        yield found


@pytest.fixture
def container(database_url: str, aws: LocalAwsForTests) -> Iterator[Container]:
    built = build_container(Settings(database_url=database_url))
    yield built
    built.database.close()


@contextmanager
def function_container(
    container: CachedContainer, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Points a function's container at the test's database for the duration, then closes
    and forgets it."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    container.cache_clear()
    yield
    container().database.close()
    container.cache_clear()


@pytest.fixture
def api_env(
    database_url: str, aws: LocalAwsForTests, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Points the API function's container at the test's database and AWS stand-ins."""
    with function_container(dependencies.container, database_url, monkeypatch):
        yield


def make_tenant(container: Container, name: str = "Acme") -> Tenant:
    org = organizations.create_organization(container.uow, name)
    created = api_keys.create_api_key(container.uow, container.clock, org.id, name="test")
    return Tenant(organization_id=org.id, key=created.secret, api=ApiClient(created.secret))


@pytest.fixture
def tenant(container: Container, api_env: None) -> Tenant:
    return make_tenant(container)


@pytest.fixture
def other_tenant(container: Container, api_env: None) -> Tenant:
    return make_tenant(container, "Globex")


@pytest.fixture
def mailbox(
    tenant: Tenant, container: Container, aws: LocalAwsForTests, database_url: str
) -> MailSink:
    domain = domains.create_domain(
        container.uow,
        container.verifier.identities,
        "us-east-1",
        tenant.organization_id,
        "example.com",
        domains.DomainSettings(),
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE domains SET mx_verified = true WHERE id = %s", [domain.id])
    support = inboxes.create_inbox(
        container.uow, tenant.organization_id, domain_id=domain.id, local_part="support"
    )
    return MailSink(container, container.blobs, database_url, tenant.organization_id, support.id)


@pytest.fixture
def poison(mailbox: MailSink) -> Iterator[None]:
    """A trigger refusing any message whose subject is "poison", as a constraint would."""
    with psycopg.connect(mailbox.database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.subject = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; "
            "RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON messages "
            "FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
        )
    yield
    with psycopg.connect(mailbox.database_url, autocommit=True) as conn:
        conn.execute("DROP TRIGGER refuse_poison ON messages")
        conn.execute("DROP FUNCTION refuse_poison()")


CLAMD_LIMITS = ClamdLimits(
    stream_max_bytes=4 * 1024 * 1024, max_file_bytes=1024 * 1024, max_scan_bytes=2 * 1024 * 1024
)
"""The test clamd's limits: small, so that a test reaches each of them in a few MiB."""


@pytest.fixture(scope="session")
def clamd() -> Iterator[LocalClamd]:
    """A real clamd (Debian's clamav-daemon, which `make test` installs) with the project's
    signatures only, on 127.0.0.1 and a Unix socket, for the whole run. Missing, it fails
    the tests that need it: scanning is never skipped."""
    try:
        server = LocalClamd(CLAMD_LIMITS, unix_socket=True).start()
    except ClamdUnavailable as exc:
        pytest.fail(f"no clamd for the scanning tests ({exc}): run `make test`, which installs it")
    yield server
    server.stop()
