import socket
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
import pytest

from local.dns_zone import LocalZone
from mailman.adapters.dns import DnsPythonResolver
from mailman.composition import Container
from mailman.domain.dns_records import DnsRecord, RecordPurpose
from mailman.domain.errors import DeliveryError
from mailman.services.verify_domain import Verifier, verify_domain, verify_due

from .conftest import LocalAwsForTests, Tenant


def _records(domain: dict[str, Any]) -> list[DnsRecord]:
    return [
        DnsRecord(RecordPurpose(r["purpose"]), r["type"], r["name"], r["value"], r["priority"])
        for r in domain["records"]
    ]


def _events(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        return [r[0] for r in conn.execute("SELECT type FROM events ORDER BY seq")]


def _identities(aws: LocalAwsForTests) -> list[str]:
    return [i["IdentityName"] for i in aws.sesv2().list_email_identities()["EmailIdentities"]]


def _accepted(aws: LocalAwsForTests) -> list[str]:
    rule = aws.ses().describe_receipt_rule(RuleSetName="mailman-local", RuleName="inbound")
    return list(rule["Rule"]["Recipients"])


@pytest.fixture
def domain(tenant: Tenant) -> dict[str, Any]:
    created = tenant.api.post("/domains", {"name": "example.com"})
    assert created.status == 201
    return dict(created.json())


def test_a_new_domain_lists_every_record_to_publish_as_missing(
    domain: dict[str, Any], aws: LocalAwsForTests
) -> None:
    identity = aws.sesv2().get_email_identity(EmailIdentity="example.com")

    assert domain["status"] == "pending"
    assert domain["mail_from_domain"] == "bounce.example.com"
    assert domain["dkim_tokens"] == identity["DkimAttributes"]["Tokens"]
    assert identity["DkimAttributes"]["NextSigningKeyLength"] == "RSA_2048_BIT"
    assert [r["purpose"] for r in domain["records"]] == [
        "dkim",
        "dkim",
        "dkim",
        "receiving_mx",
        "mail_from_mx",
        "mail_from_spf",
        "dmarc",
        "ownership",
    ]
    assert domain["records"][-1]["type"] == "TXT"
    assert domain["records"][-1]["name"] == "_mailman.example.com"
    assert domain["records"][-1]["value"].startswith("mailman-verification=")
    assert {r["status"] for r in domain["records"]} == {"missing"}
    assert all(r["description"] for r in domain["records"])
    assert (domain["can_send"], domain["can_receive"]) == (False, False)


def test_zone_file_answers_the_records_as_bind(tenant: Tenant, domain: dict[str, Any]) -> None:
    response = tenant.api.get(f"/domains/{domain['id']}/zone-file")

    assert response.status == 200
    assert response.header("Content-Type") == "text/plain"
    text = response.result.body.decode()
    assert text.startswith("$ORIGIN example.com.\n")
    token = domain["dkim_tokens"][0]
    assert f"{token}._domainkey" in text
    assert f"{token}.dkim.amazonses.com." in text
    assert "_dmarc" in text
    assert f'"{domain["records"][-1]["value"]}"' in text


def test_verify_now_before_publishing_finds_everything_missing(
    tenant: Tenant, domain: dict[str, Any], database_url: str
) -> None:
    checked = tenant.api.post(f"/domains/{domain['id']}/verify").json()

    assert checked["status"] == "pending"
    assert {r["status"] for r in checked["records"]} == {"missing"}
    assert checked["last_checked_at"] is not None
    assert _events(database_url) == []


def test_publishing_the_records_verifies_the_domain_and_opens_receiving(
    tenant: Tenant, domain: dict[str, Any], aws: LocalAwsForTests, database_url: str
) -> None:
    aws.zone.publish("example.com", _records(domain))

    checked = tenant.api.post(f"/domains/{domain['id']}/verify").json()

    assert checked["status"] == "verified"
    assert {r["status"] for r in checked["records"]} == {"verified"}
    assert checked["verification"] == {"mx": True, "spf": True, "dkim": True, "dmarc": True}
    assert (checked["can_send"], checked["can_receive"]) == (True, True)
    assert checked["ses_dkim_status"] == "SUCCESS"
    assert _events(database_url) == ["domain.verified"]
    assert _accepted(aws) == ["example.com"]


def test_a_wrong_value_is_reported_with_what_was_found(
    tenant: Tenant, domain: dict[str, Any], aws: LocalAwsForTests
) -> None:
    records = _records(domain)
    mx = records[3]
    aws.zone.publish(
        "example.com",
        [
            *records[:3],
            DnsRecord(mx.purpose, "MX", mx.name, "mx.elsewhere.example", 10),
            records[-1],
        ],
    )

    checked = tenant.api.post(f"/domains/{domain['id']}/verify").json()

    wrong = checked["records"][3]
    assert wrong["status"] == "wrong"
    assert wrong["found"] == ["10 mx.elsewhere.example."]
    assert [r["status"] for r in checked["records"][:3]] == ["verified"] * 3
    assert checked["status"] == "pending"
    assert (checked["can_send"], checked["can_receive"]) == (True, False)


def test_dns_drift_is_noticed_announced_and_closes_receiving(
    tenant: Tenant, domain: dict[str, Any], aws: LocalAwsForTests, database_url: str
) -> None:
    aws.zone.publish("example.com", _records(domain))
    tenant.api.post(f"/domains/{domain['id']}/verify")
    aws.zone.publish("example.com", [r for r in _records(domain) if r.type != "MX"])

    checked = tenant.api.post(f"/domains/{domain['id']}/verify").json()

    assert checked["status"] == "pending"
    assert checked["can_receive"] is False
    assert _events(database_url) == ["domain.verified", "domain.dns_changed"]
    assert _accepted(aws) == ["no-recipients.invalid"]


def test_an_identity_removed_outside_mailman_fails_the_domain(
    tenant: Tenant, domain: dict[str, Any], aws: LocalAwsForTests, database_url: str
) -> None:
    aws.sesv2().delete_email_identity(EmailIdentity="example.com")

    checked = tenant.api.post(f"/domains/{domain['id']}/verify").json()

    assert checked["status"] == "failed"
    assert _events(database_url) == ["domain.verification_failed"]


def test_deleting_a_domain_removes_its_ses_identity(
    tenant: Tenant, domain: dict[str, Any], aws: LocalAwsForTests
) -> None:
    response = tenant.api.delete(f"/domains/{domain['id']}")

    assert response.status == 204
    assert "example.com" not in _identities(aws)


def test_verify_of_another_organisations_domain_is_404(
    other_tenant: Tenant, domain: dict[str, Any]
) -> None:
    assert other_tenant.api.post(f"/domains/{domain['id']}/verify").status == 404
    assert other_tenant.api.get(f"/domains/{domain['id']}/zone-file").status == 404


def test_public_suffixes_are_refused(tenant: Tenant) -> None:
    response = tenant.api.post("/domains", {"name": "co.uk"})

    assert response.status == 400
    assert "public suffix" in response.json()["error"]["message"]


class _CountingResolver:
    """Wraps a resolver to see how many lookups run at once."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()
        self.four_at_once = threading.Event()

    def lookup(self, name: str, rtype: str) -> list[str] | None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            if self.running >= 4:
                self.four_at_once.set()
        # Hold each lookup until four overlap (or give up): sequential lookups never would.
        self.four_at_once.wait(timeout=5)
        try:
            return self.inner.lookup(name, rtype)  # type: ignore[no-any-return]
        finally:
            with self.lock:
                self.running -= 1


def test_the_scheduled_run_checks_due_domains_with_concurrent_lookups(
    tenant: Tenant, container: Container, aws: LocalAwsForTests
) -> None:
    ids = [tenant.api.post("/domains", {"name": f"d{i}.example"}).json()["id"] for i in range(3)]
    resolver = _CountingResolver(container.verifier.resolver)
    verifier = Verifier(container.verifier.identities, resolver, container.verifier.receipt)

    first = verify_due(container.uow, verifier, container.clock)
    second = verify_due(container.uow, verifier, container.clock)

    assert sorted(str(v.domain.id) for v in first) == sorted(ids)
    assert second == []
    assert resolver.most >= 4
    assert all(v.domain.next_check_at and v.domain.last_checked_at for v in first)


def test_a_lookup_that_times_out_is_unknown_and_does_not_stop_the_batch(
    tenant: Tenant, container: Container, domain: dict[str, Any]
) -> None:
    silent = _Silent()
    verifier = Verifier(container.verifier.identities, silent, container.verifier.receipt)

    checked = verify_due(container.uow, verifier, container.clock)

    assert len(checked) == 1
    assert {r.status.value for r in checked[0].domain.records} == {"unknown"}
    assert checked[0].domain.status.value == "pending"


class _Silent:
    def lookup(self, name: str, rtype: str) -> list[str] | None:
        return None


def test_a_name_server_that_never_answers_is_unknown_not_an_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mute:
        mute.bind(("127.0.0.1", 0))
        resolver = DnsPythonResolver([f"127.0.0.1:{mute.getsockname()[1]}"], timeout_seconds=0.2)

        assert resolver.lookup("example.com", "MX") is None


class _FailingFirst:
    """Receipt recipients whose first change is refused, as SES throttling would."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.failed = False

    def allow(self, domain: str) -> None:
        if not self.failed:
            self.failed = True
            raise DeliveryError("SES throttled the request", transient=True)
        self.inner.allow(domain)

    def disallow(self, domain: str) -> None:
        self.inner.disallow(domain)

    def reconcile(self, receiving: Collection[str], not_receiving: Collection[str]) -> None:
        self.inner.reconcile(receiving, not_receiving)


def test_one_domain_failing_does_not_stop_the_others(
    tenant: Tenant, container: Container, aws: LocalAwsForTests
) -> None:
    created = [tenant.api.post("/domains", {"name": f"d{i}.example"}).json() for i in range(3)]
    for domain in created:
        aws.zone.publish(domain["name"], _records(domain))
    receipt = _FailingFirst(container.verifier.receipt)
    verifier = Verifier(container.verifier.identities, container.verifier.resolver, receipt)

    checked = verify_due(container.uow, verifier, container.clock)

    assert len(checked) == 2
    assert {v.domain.status.value for v in checked} == {"verified"}
    statuses = {d["name"]: tenant.api.get(f"/domains/{d['id']}").json()["status"] for d in created}
    assert sorted(statuses.values()) == ["pending", "verified", "verified"]
    assert sorted(_accepted(aws)) == sorted(n for n, s in statuses.items() if s == "verified")


def test_deleting_a_verified_domain_stops_receiving_for_it(
    tenant: Tenant, domain: dict[str, Any], aws: LocalAwsForTests, container: Container
) -> None:
    aws.zone.publish("example.com", _records(domain))
    tenant.api.post(f"/domains/{domain['id']}/verify")
    assert _accepted(aws) == ["example.com"]

    assert tenant.api.delete(f"/domains/{domain['id']}").status == 204
    assert _accepted(aws) == ["no-recipients.invalid"]
    rule = aws.ses().describe_receipt_rule(RuleSetName="mailman-local", RuleName="inbound")
    rule["Rule"]["Recipients"] = ["example.com"]  # a deploy writing back an old list
    aws.ses().update_receipt_rule(RuleSetName="mailman-local", Rule=rule["Rule"])

    verify_due(container.uow, container.verifier, container.clock)

    assert _accepted(aws) == ["no-recipients.invalid"]


def test_cli_zone_publish_feeds_the_local_resolver(
    domain: dict[str, Any], aws: LocalAwsForTests, container: Container
) -> None:
    zone = LocalZone(aws.zone.path)
    zone.publish("example.com", _records(domain))

    answers = container.verifier.resolver.lookup("_dmarc.example.com", "TXT")

    assert answers == ["v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com"]


def test_a_deploy_that_resets_the_rule_is_undone_by_the_next_run(
    tenant: Tenant, domain: dict[str, Any], aws: LocalAwsForTests, container: Container
) -> None:
    aws.zone.publish("example.com", _records(domain))
    tenant.api.post(f"/domains/{domain['id']}/verify")
    ses = aws.ses()
    rule = ses.describe_receipt_rule(RuleSetName="mailman-local", RuleName="inbound")["Rule"]
    rule["Recipients"] = ["configured.example"]
    ses.update_receipt_rule(RuleSetName="mailman-local", Rule=rule)

    verify_due(container.uow, container.verifier, container.clock)

    assert sorted(_accepted(aws)) == ["configured.example", "example.com"]


# -- several organisations' claims of one name -----------------------------------------------


def _org_events(database_url: str, organization_id: Any) -> list[tuple[str, Any]]:
    with psycopg.connect(database_url) as conn:
        return [
            (r[0], r[1])
            for r in conn.execute(
                "SELECT type, payload FROM events WHERE organization_id = %s ORDER BY seq",
                [organization_id],
            )
        ]


def _ownership(domain: dict[str, Any]) -> dict[str, Any]:
    return dict(next(r for r in domain["records"] if r["purpose"] == "ownership"))


def test_shared_dkim_and_mx_without_the_claims_own_token_do_not_verify(
    tenant: Tenant, domain: dict[str, Any], aws: LocalAwsForTests, database_url: str
) -> None:
    aws.zone.publish("example.com", _records(domain)[:-1])

    checked = tenant.api.post(f"/domains/{domain['id']}/verify").json()

    assert checked["status"] == "pending"
    assert _ownership(checked)["status"] == "missing"
    assert checked["verification"] == {"mx": False, "spf": False, "dkim": False, "dmarc": False}
    assert (checked["can_send"], checked["can_receive"]) == (False, False)
    assert _events(database_url) == []
    assert _accepted(aws) == ["no-recipients.invalid"]


def test_the_first_claim_to_verify_holds_the_name_and_the_others_are_told(
    tenant: Tenant,
    other_tenant: Tenant,
    domain: dict[str, Any],
    aws: LocalAwsForTests,
    database_url: str,
) -> None:
    squatter = other_tenant.api.post("/domains", {"name": "example.com"}).json()
    aws.zone.publish("example.com", _records(domain))

    won = tenant.api.post(f"/domains/{domain['id']}/verify").json()
    lost = other_tenant.api.get(f"/domains/{squatter['id']}").json()

    assert won["status"] == "verified"
    assert (won["can_send"], won["can_receive"]) == (True, True)
    assert lost["status"] == "failed"
    assert (lost["can_send"], lost["can_receive"]) == (False, False)
    assert _ownership(lost)["status"] == "wrong"
    assert _ownership(lost)["detail"] == "another account verified this domain first"
    assert [t for t, _ in _org_events(database_url, tenant.organization_id)] == ["domain.verified"]
    assert _org_events(database_url, other_tenant.organization_id) == [
        (
            "domain.verification_failed",
            {
                "domain_id": squatter["id"],
                "domain": "example.com",
                "reason": "another account verified this domain first",
            },
        )
    ]
    assert _accepted(aws) == ["example.com"]


def test_a_lost_claim_stays_failed_even_with_its_own_token_published(
    tenant: Tenant,
    other_tenant: Tenant,
    domain: dict[str, Any],
    aws: LocalAwsForTests,
    database_url: str,
) -> None:
    second = other_tenant.api.post("/domains", {"name": "example.com"}).json()
    aws.zone.publish("example.com", [*_records(domain), _records(second)[-1]])
    tenant.api.post(f"/domains/{domain['id']}/verify")

    again = other_tenant.api.post(f"/domains/{second['id']}/verify").json()

    assert again["status"] == "failed"
    assert (again["can_send"], again["can_receive"]) == (False, False)
    assert _ownership(again)["detail"] == "another account verified this domain first"
    assert len(_org_events(database_url, other_tenant.organization_id)) == 1
    assert tenant.api.get(f"/domains/{domain['id']}").json()["status"] == "verified"


class _VerifiedMeanwhile:
    """Units of work in which another claim of the name gets verified right after the first
    one (the check's look at the other claims), as an overlapping check would."""

    def __init__(self, uow: Any, database_url: str, domain_id: str) -> None:
        self.uow = uow
        self.database_url = database_url
        self.domain_id = domain_id
        self.opened = 0

    @contextmanager
    def __call__(
        self, organization_id: Any, *, pipelined: bool = False, autocommit: bool = False
    ) -> Iterator[Any]:
        with self.uow(organization_id, pipelined=pipelined, autocommit=autocommit) as work:
            yield work
        self.opened += 1
        if self.opened == 1:
            with psycopg.connect(self.database_url) as conn:
                conn.execute(
                    "UPDATE domains SET status = 'verified' WHERE id = %s", [self.domain_id]
                )


def test_of_two_overlapping_checks_of_a_name_only_one_verifies(
    tenant: Tenant,
    other_tenant: Tenant,
    domain: dict[str, Any],
    aws: LocalAwsForTests,
    container: Container,
    database_url: str,
) -> None:
    rival = other_tenant.api.post("/domains", {"name": "example.com"}).json()
    aws.zone.publish("example.com", _records(domain))
    uow = _VerifiedMeanwhile(container.uow, database_url, rival["id"])

    checked = verify_domain(
        uow, container.verifier, container.clock, tenant.organization_id, UUID(domain["id"])
    )

    assert checked.domain.status.value == "failed"
    assert not checked.domain.can_receive
    assert [e.payload["reason"] for e in checked.events] == [
        "another account verified this domain first"
    ]
    assert tenant.api.get(f"/domains/{domain['id']}").json()["status"] == "failed"


def test_deleting_another_claim_of_the_name_leaves_the_owners_identity_and_mail(
    tenant: Tenant,
    other_tenant: Tenant,
    domain: dict[str, Any],
    aws: LocalAwsForTests,
) -> None:
    squatter = other_tenant.api.post("/domains", {"name": "example.com"}).json()
    aws.zone.publish("example.com", _records(domain))
    tenant.api.post(f"/domains/{domain['id']}/verify")

    deleted = other_tenant.api.delete(f"/domains/{squatter['id']}")
    checked = tenant.api.post(f"/domains/{domain['id']}/verify").json()

    assert deleted.status == 204
    assert "example.com" in _identities(aws)
    assert _accepted(aws) == ["example.com"]
    assert checked["status"] == "verified"
    assert (checked["can_send"], checked["can_receive"]) == (True, True)


def test_the_identity_goes_with_the_last_claim_of_the_name(
    tenant: Tenant, other_tenant: Tenant, domain: dict[str, Any], aws: LocalAwsForTests
) -> None:
    second = other_tenant.api.post("/domains", {"name": "example.com"}).json()

    tenant.api.delete(f"/domains/{domain['id']}")
    kept = _identities(aws)
    other_tenant.api.delete(f"/domains/{second['id']}")

    assert "example.com" in kept
    assert "example.com" not in _identities(aws)
