"""A domain on `make dev`: records missing, published with `mailman dns publish`, then
verified by the scheduled verifier (run every second here instead of every minute)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.domains import domains_create, domains_get, domains_list, domains_verify
from mailman_client.api.events import events_list
from mailman_client.models import CreateDomain, DomainOut, EventsOut, ListOfDomainOut

from tests.e2e.conftest import REPO_ROOT, LocalPlatform, ok, poll, running_platform

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(
        tmp_path_factory,
        "verify",
        {"MAILMAN_VERIFIER_SECONDS": "1", "MAILMAN_QUICKSTART": "1"},
    ) as running:
        yield running


def _mailman(local_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MAILMAN_LOCAL_DIR": str(local_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [str(Path(sys.executable).with_name("mailman")), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _create(api: AuthenticatedClient, name: str) -> DomainOut:
    return ok(DomainOut, domains_create.sync(client=api, body=CreateDomain(name=name)))


def test_quick_start_made_a_verified_domain(
    platform: LocalPlatform, api: AuthenticatedClient
) -> None:
    domains = ok(ListOfDomainOut, domains_list.sync(client=api)).data

    assert [(d.name, d.status) for d in domains] == [("mailman.test", "verified")]
    assert "Quick start   mailman.test created and verified" in platform.output


def test_a_domain_goes_from_missing_to_verified_once_its_records_are_published(
    platform: LocalPlatform, api: AuthenticatedClient
) -> None:
    created = _create(api, "acme.example")

    def now() -> DomainOut:
        return ok(DomainOut, domains_get.sync(created.id, client=api))

    checked_once = poll(lambda: now().last_checked_at is not None, timeout=30, interval=0.5)
    before = now()

    published = _mailman(platform.local_dir, "dns", "publish", "acme.example")
    verified = poll(lambda: now().status == "verified", timeout=30, interval=0.5)
    after = now()
    events = ok(EventsOut, events_list.sync(client=api, type_=["domain.verified"])).data

    assert checked_once
    assert before.status == "pending"
    assert {r.status for r in before.records} == {"missing"}
    assert published.returncode == 0, published.stderr
    assert "published 8 records for acme.example" in published.stdout
    assert "_mailman.acme.example" in published.stdout
    assert verified, after
    assert (after.can_send, after.can_receive) == (True, True)
    assert "acme.example" in [e.data["domain"] for e in events]


def test_the_verify_endpoint_reports_a_record_that_is_wrong(
    platform: LocalPlatform, api: AuthenticatedClient
) -> None:
    created = _create(api, "wrong.example")
    zone = platform.local_dir / "dns" / "zone.json"
    published = _mailman(platform.local_dir, "dns", "publish", "wrong.example")
    text = zone.read_text().replace(
        "inbound-smtp.us-east-1.amazonaws.com.", "mx.old-provider.example."
    )
    zone.write_text(text)
    checked = ok(DomainOut, domains_verify.sync(created.id, client=api))

    mx = next(r for r in checked.records if r.purpose == "receiving_mx")
    assert published.returncode == 0
    assert mx.status == "wrong"
    assert mx.found == ["10 mx.old-provider.example."]
    assert checked.can_receive is False


def test_an_unknown_domain_cannot_be_published(platform: LocalPlatform) -> None:
    result = _mailman(platform.local_dir, "dns", "publish", "nobody.example")

    assert result.returncode == 1
    assert "no live domain named nobody.example" in result.stderr
