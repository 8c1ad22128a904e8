"""`mailman webhooks`: a local receiver behind an endpoint made for it (verified deliveries
printed, the endpoint deleted on stop), and the endpoints and deliveries listed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from uuid import UUID

import pytest

from local.cli import ListenOptions, listen, main
from mailman.composition import Container, build_container
from mailman.config import Settings
from mailman.domain.errors import NotFound
from mailman.domain.events import NewEvent
from mailman.domain.pagination import PageRequest
from mailman.domain.webhook_views import WebhookEndpoint
from mailman.services import domains, inboxes, organizations
from mailman.services.webhooks import endpoints as webhook_endpoints

from .conftest import LocalAwsForTests

BODY = json.dumps(
    {
        "type": "message.received",
        "timestamp": "2026-12-07T10:00:00Z",
        "data": {"message": {"from": {"address": "ann@example.org"}, "subject": "Hi"}},
    }
).encode()


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def services(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    """The local platform's settings over a fresh database: a key file, private receivers."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WEBHOOK_KEY_FILE", str(tmp_path / "webhook-secrets.key"))
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("MAILMAN_LOCAL_DIR", str(tmp_path))
    container = build_container(Settings())
    yield container
    container.database.close()


@pytest.fixture
def org(services: Container) -> UUID:
    return organizations.create_organization(services.uow, f"Hooks {uuid.uuid4().hex[:6]}").id


def mailman(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    code = main(list(argv))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def endpoints_of(services: Container, org: UUID) -> list[WebhookEndpoint]:
    return webhook_endpoints.list_endpoints(services.uow, org, PageRequest(limit=100)).items


def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def secret_of(services: Container, org: UUID, endpoint_id: UUID) -> str:
    with services.uow(org) as work:
        sealed = work.webhook_endpoints.secrets(endpoint_id)
    assert sealed is not None
    return services.secret_box.open(sealed.current)


def deliver(url: str, secret: str, webhook_id: str, body: bytes = BODY) -> int:
    """POST a delivery signed by hand (HMAC-SHA256 over "{id}.{timestamp}.{body}")."""
    at = int(time.time())
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{webhook_id}.{at}.".encode() + body, hashlib.sha256).digest()
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    connection.request(
        "POST",
        parts.path,
        body=body,
        headers={
            "webhook-id": webhook_id,
            "webhook-timestamp": str(at),
            "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        },
    )
    status = connection.getresponse().status
    connection.close()
    return status


class Listening:
    """`listen` in a thread, as `mailman webhooks listen` runs it, until `stop()`; with a
    container of its own, as the command has (a container's connection serves one thread)."""

    def __init__(self, org: UUID, options: ListenOptions) -> None:
        self.stopped = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(org, options))
        self._thread.start()

    def _run(self, org: UUID, options: ListenOptions) -> None:
        container = build_container(Settings())
        try:
            listen(container, org, options, self.stopped)
        except BaseException as exc:  # handed to the test
            self.error = exc
        finally:
            container.database.close()

    def stop(self) -> None:
        self.stopped.set()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive()


@pytest.fixture
def listening(services: Container, org: UUID) -> Iterator[Listening]:
    running = Listening(org, ListenOptions(0, ("message.received",), ()))
    yield running
    running.stop()


def test_listen_makes_an_endpoint_to_its_receiver_verifies_prints_and_deletes_it(
    services: Container, org: UUID, listening: Listening, capsys: pytest.CaptureFixture[str]
) -> None:
    wait_until(lambda: endpoints_of(services, org) or listening.error)
    (endpoint,) = endpoints_of(services, org)
    secret = secret_of(services, org, endpoint.id)

    good = deliver(endpoint.url, secret, "evt_good")
    forged = deliver(endpoint.url, "whsec_" + base64.b64encode(b"x" * 32).decode(), "evt_bad")
    listening.stop()

    out = capsys.readouterr().out
    assert listening.error is None
    assert urlsplit(endpoint.url).hostname == "127.0.0.1"
    assert endpoint.event_types == ["message.received"]
    assert endpoint.description == "mailman webhooks listen"
    assert (good, forged) == (204, 400)
    assert f"listening on {endpoint.url} as webhook {endpoint.id}" in out
    (good_line,) = [line for line in out.splitlines() if "evt_good" in line]
    (forged_line,) = [line for line in out.splitlines() if "evt_bad" in line]
    assert "  204  message.received  evt_good  verified  ann@example.org" in good_line
    assert "  400  message.received  evt_bad  NOT VERIFIED (No matching signature found)" in (
        forged_line
    )
    assert f"deleted webhook {endpoint.id}" in out
    assert endpoints_of(services, org) == []
    with pytest.raises(NotFound):
        webhook_endpoints.get_endpoint(services.uow, org, endpoint.id)


def test_the_receiver_stops_with_the_listening(
    services: Container, org: UUID, listening: Listening
) -> None:
    wait_until(lambda: endpoints_of(services, org) or listening.error)
    (endpoint,) = endpoints_of(services, org)

    listening.stop()

    with pytest.raises(ConnectionRefusedError):
        deliver(endpoint.url, "whsec_" + base64.b64encode(b"x" * 32).decode(), "late")


def test_listen_limited_to_an_inbox_makes_an_endpoint_for_that_inbox_only(
    aws: LocalAwsForTests, services: Container, org: UUID
) -> None:
    domain = domains.create_domain(
        services.uow,
        services.verifier.identities,
        "us-east-1",
        org,
        "hooks.example",
        domains.DomainSettings(),
    )
    inbox = inboxes.create_inbox(services.uow, org, domain_id=domain.id, local_part="ann")
    running = Listening(org, ListenOptions(0, (), (inbox.id,)))
    try:
        wait_until(lambda: endpoints_of(services, org) or running.error)
        (endpoint,) = endpoints_of(services, org)
    finally:
        running.stop()

    assert endpoint.inbox_ids == [inbox.id]
    assert endpoint.event_types == []


def test_listen_for_an_unknown_event_type_fails_with_a_message_and_makes_nothing(
    services: Container, org: UUID, capsys: pytest.CaptureFixture[str]
) -> None:
    run = mailman(capsys, "webhooks", "listen", "--org", str(org), "--events", "message.nope")

    assert run.code == 1
    assert "unknown event types: message.nope" in run.err
    assert endpoints_of(services, org) == []


def test_listen_where_private_receivers_are_not_allowed_is_refused(
    services: Container,
    org: UUID,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "false")

    run = mailman(capsys, "webhooks", "listen", "--org", str(org))

    assert run.code == 1
    assert "url" in run.err
    assert endpoints_of(services, org) == []


def test_listen_without_org_or_local_state_asks_for_org(
    services: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    run = mailman(capsys, "webhooks", "listen")

    assert run.code == 1
    assert "name the organisation with --org" in run.err


def test_without_org_the_local_platforms_organisation_is_used(
    services: Container, org: UUID, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "state.json").write_text(
        json.dumps({"organization_id": str(org), "key_prefix": "mm_live_x"})
    )
    webhook_endpoints.create_endpoint(
        services.uow,
        services.secret_box,
        webhook_endpoints.Receivers(services.host_resolver, allow_private=True),
        org,
        webhook_endpoints.EndpointRequest(url="http://127.0.0.1:9/", description="mine"),
    )

    run = mailman(capsys, "webhooks", "list")

    assert run.code == 0
    (line,) = run.out.splitlines()
    assert line.split("\t")[1:] == ["http://127.0.0.1:9/", "enabled", "all", "mine"]


def test_webhooks_list_shows_types_and_state(
    services: Container, org: UUID, capsys: pytest.CaptureFixture[str]
) -> None:
    created = webhook_endpoints.create_endpoint(
        services.uow,
        services.secret_box,
        webhook_endpoints.Receivers(services.host_resolver, allow_private=True),
        org,
        webhook_endpoints.EndpointRequest(
            url="http://127.0.0.1:9/", event_types=["message.sent", "message.bounced"]
        ),
    )

    run = mailman(capsys, "webhooks", "list", "--org", str(org))

    assert run.out.splitlines() == [
        f"{created.endpoint.id}\thttp://127.0.0.1:9/\tenabled\tmessage.sent,message.bounced"
    ]


def test_webhooks_deliveries_lists_what_the_event_log_fanned_out(
    services: Container, org: UUID, capsys: pytest.CaptureFixture[str]
) -> None:
    created = webhook_endpoints.create_endpoint(
        services.uow,
        services.secret_box,
        webhook_endpoints.Receivers(services.host_resolver, allow_private=True),
        org,
        webhook_endpoints.EndpointRequest(url="http://127.0.0.1:9/"),
    )
    with services.uow(org) as work:
        work.events.append(
            NewEvent(org, "domain.verified", None, "cli-test", {"domain_id": str(uuid.uuid4())})
        )

    run = mailman(capsys, "webhooks", "deliveries", "--org", str(org), str(created.endpoint.id))
    pending = mailman(
        capsys,
        "webhooks",
        "deliveries",
        "--org",
        str(org),
        "--status",
        "delivered",
        str(created.endpoint.id),
    )

    (line,) = run.out.splitlines()
    assert line.split("\t")[1:4] == ["domain.verified", "pending", "0 attempts"]
    assert pending.out == ""


def test_webhooks_deliveries_of_an_unknown_webhook_fails_with_a_message(
    services: Container, org: UUID, capsys: pytest.CaptureFixture[str]
) -> None:
    run = mailman(capsys, "webhooks", "deliveries", "--org", str(org), str(uuid.uuid4()))

    assert run.code == 1
    assert "no such webhook" in run.err


def test_listen_stopped_by_sigterm_deletes_its_endpoint(
    services: Container, org: UUID, tmp_path: Path
) -> None:
    """`kill` (a supervisor, a closed terminal) stops it as cleanly as Ctrl-C."""
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "local.cli", "webhooks", "listen", "--org", str(org)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": f"{root / 'shared'}{os.pathsep}{root}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until(lambda: endpoints_of(services, org) or process.poll() is not None, 30)
        assert endpoints_of(services, org), process.communicate(timeout=5)[0]

        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)

    assert process.returncode == 0, out
    assert "deleted webhook" in out
    assert endpoints_of(services, org) == []
