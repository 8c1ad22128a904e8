"""Webhook endpoints and their delivery logs over the API, on PostgreSQL: create, read,
change, delete; bad input refused naming the field; the signing secret shown once and never
stored in clear; rotation; deliveries (made by the event log's fan-out) listed with filters
and pages, each with every attempt; retry, recover and test; and one organisation's
endpoints out of another's reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

import pytest

from functions.api.routes import webhooks as webhook_routes
from mailman.composition import Container
from mailman.domain.event_catalogue import EVENT_TYPES
from mailman.domain.events import NewEvent
from mailman.services import domains, inboxes

from .conftest import Response, Tenant
from .mail_helpers import MailSink
from .webhook_helpers import WebhookFakes, settle, sql, use_webhook_fakes

URL = "https://hooks.customer.example/mailman"
HOUR = timedelta(hours=1)


@pytest.fixture
def fakes(tenant: Tenant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> WebhookFakes:
    return use_webhook_fakes(monkeypatch, tmp_path / "webhook-secrets.key")


def _create(tenant: Tenant, url: str = URL, **fields: Any) -> Response:
    return tenant.api.post("/webhooks", {"url": url, **fields})


def _created(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    answer = _create(tenant, **fields)
    assert answer.status == 201, answer.json()
    found: dict[str, Any] = answer.json()
    return found


def _refused(answer: Response, field: str, status: int = 400) -> dict[str, Any]:
    assert answer.status == status, answer.json()
    error: dict[str, Any] = answer.json()["error"]
    assert error["field"] == field, error
    assert error["trace_id"] == answer.header("X-Trace-Id")
    return error


def _count(database_url: str, table: str) -> int:
    [row] = sql(database_url, f"SELECT count(*) AS n FROM {table}")  # noqa: S608 (a constant)
    return int(row["n"])


def _append(
    container: Container, organization_id: UUID, kind: str, inbox_id: UUID | None, n: int = 1
) -> None:
    """Events as the services append them: the fan-out makes each endpoint's deliveries."""
    with container.uow(organization_id) as work:
        for _ in range(n):
            message = str(uuid4())
            work.events.append(
                NewEvent(
                    organization_id,
                    type=kind,
                    subject_id=UUID(message),
                    dedup_key=f"{kind}:{message}",
                    payload={
                        "message_id": message,
                        "inbox_id": str(inbox_id) if inbox_id else None,
                        "thread_id": None,
                    },
                )
            )


def _deliveries(tenant: Tenant, webhook: str, **query: Any) -> dict[str, Any]:
    answer = tenant.api.get(f"/webhooks/{webhook}/deliveries", query=urlencode(query))
    assert answer.status == 200, answer.json()
    found: dict[str, Any] = answer.json()
    return found


def _delivery_ids(database_url: str, webhook: str) -> list[UUID]:
    rows = sql(
        database_url,
        "SELECT id FROM webhook_deliveries WHERE endpoint_id = %s ORDER BY created_at, id",
        UUID(webhook),
    )
    return [r["id"] for r in rows]


# -- endpoints -------------------------------------------------------------------------------


def test_an_endpoint_is_created_read_listed_changed_and_deleted(
    tenant: Tenant, fakes: WebhookFakes
) -> None:
    created = _created(tenant, event_types=["message.received"], description="Orders")
    webhook = created["id"]

    read = tenant.api.get(f"/webhooks/{webhook}").json()
    listed = tenant.api.get("/webhooks").json()
    changed = tenant.api.patch(
        f"/webhooks/{webhook}", {"description": None, "event_types": [], "enabled": False}
    )
    deleted = tenant.api.delete(f"/webhooks/{webhook}")
    gone = tenant.api.get(f"/webhooks/{webhook}")

    assert created["url"] == URL
    assert created["event_types"] == ["message.received"]
    assert "secret" not in read
    assert read == {k: v for k, v in created.items() if k != "secret"}
    assert [w["id"] for w in listed["data"]] == [webhook]
    assert "secret" not in listed["data"][0]
    assert changed.status == 200, changed.json()
    body = changed.json()
    assert (body["description"], body["event_types"], body["enabled"]) == (None, [], False)
    assert body["disabled_reason"] == "manual"
    assert "secret" not in body
    assert deleted.status == 204
    _refused(gone, "webhook_id", 404)
    assert tenant.api.get("/webhooks").json()["data"] == []


def test_the_secret_is_shown_once_and_stored_only_sealed(
    tenant: Tenant, fakes: WebhookFakes, database_url: str
) -> None:
    created = _created(tenant)
    secret = created["secret"]

    [row] = sql(database_url, "SELECT * FROM webhook_endpoints WHERE id = %s", UUID(created["id"]))
    [dump] = sql(database_url, "SELECT to_jsonb(w)::text AS text FROM webhook_endpoints w")

    assert secret.startswith("whsec_")
    key = secret.removeprefix("whsec_")
    sealed = bytes(row["secret_sealed"])
    assert secret.encode() not in sealed
    assert key.encode() not in sealed
    assert key not in dump["text"]
    assert secret.encode().hex() not in dump["text"]
    assert fakes.box.open(sealed) == secret


def test_the_url_is_stored_canonical_and_pages_read_on(tenant: Tenant, fakes: WebhookFakes) -> None:
    made = [_created(tenant, url=f"HTTPS://Hooks.Customer.Example/{n}")["id"] for n in range(3)]

    first = tenant.api.get("/webhooks", query="limit=2").json()
    rest = tenant.api.get(
        "/webhooks", query=urlencode({"limit": 2, "page_token": first["next_page_token"]})
    ).json()

    assert [w["id"] for w in first["data"] + rest["data"]] == made
    assert first["data"][0]["url"] == "https://hooks.customer.example/0"
    assert rest["next_page_token"] is None


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"url": "http://hooks.customer.example/mailman"}, "url", "https"),
        ({"url": "https://10.0.0.1/hook"}, "url", "private"),
        ({"url": "https://2130706433/hook"}, "url", "loopback"),
        ({"url": "https://internal.customer.example/hook"}, "url", "private"),
        ({"url": "https://nowhere.customer.example/hook"}, "url", "does not resolve"),
        ({"url": URL, "event_types": ["message.received", "message.exploded"]}, "event_types", ""),
        ({"url": URL, "inbox_ids": [str(uuid4())]}, "inbox_ids", "no such inbox"),
        ({"url": URL, "description": "d" * 501}, "description", ""),
        ({"url": URL, "secret": "whsec_mine"}, "secret", "unknown field"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(
    tenant: Tenant,
    fakes: WebhookFakes,
    database_url: str,
    body: dict[str, Any],
    field: str,
    says: str,
) -> None:
    error = _refused(tenant.api.post("/webhooks", body), field)

    assert says in error["message"]
    if field == "event_types":
        assert "message.exploded" in error["message"]
        assert "message.received" not in error["message"]
    assert _count(database_url, "webhook_endpoints") == 0


def test_another_organisations_inbox_is_refused(
    tenant: Tenant, other_tenant: Tenant, fakes: WebhookFakes, container: Container
) -> None:
    domain = domains.create_domain(
        container.uow,
        container.verifier.identities,
        "us-east-1",
        other_tenant.organization_id,
        "example.net",
        domains.DomainSettings(),
    )
    theirs = inboxes.create_inbox(
        container.uow, other_tenant.organization_id, domain_id=domain.id, local_part="support"
    )

    error = _refused(_create(tenant, inbox_ids=[str(theirs.id)]), "inbox_ids")

    assert str(theirs.id) in error["message"]


def test_an_endpoint_may_be_limited_to_its_organisations_inbox(
    mailbox: MailSink, tenant: Tenant, fakes: WebhookFakes
) -> None:
    created = _created(tenant, inbox_ids=[str(mailbox.support)])

    assert created["inbox_ids"] == [str(mailbox.support)]


def test_a_patch_checks_a_new_url_and_enabling_forgets_why_it_was_disabled(
    tenant: Tenant, fakes: WebhookFakes, database_url: str
) -> None:
    webhook = _created(tenant)["id"]
    sql(
        database_url,
        "UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'failing', "
        "disabled_at = now(), failing_since = now() - interval '5 days' WHERE id = %s",
        UUID(webhook),
    )

    refused = tenant.api.patch(f"/webhooks/{webhook}", {"url": "https://169.254.169.254/"})
    again_disabled = tenant.api.patch(f"/webhooks/{webhook}", {"enabled": False}).json()
    enabled = tenant.api.patch(f"/webhooks/{webhook}", {"enabled": True}).json()

    _refused(refused, "url")
    assert again_disabled["disabled_reason"] == "failing"
    assert (enabled["enabled"], enabled["disabled_reason"]) == (True, None)
    assert (enabled["disabled_at"], enabled["failing_since"]) == (None, None)
    assert enabled["url"] == URL


# -- rotation --------------------------------------------------------------------------------


def test_a_rotation_answers_the_new_secret_and_keeps_the_old_one_sealed_for_a_day(
    tenant: Tenant, fakes: WebhookFakes, database_url: str
) -> None:
    created = _created(tenant)
    webhook = UUID(created["id"])

    rotated = tenant.api.post(f"/webhooks/{webhook}/rotate-secret")
    [row] = sql(database_url, "SELECT * FROM webhook_endpoints WHERE id = %s", webhook)

    assert rotated.status == 200, rotated.json()
    body = rotated.json()
    assert body["secret"].startswith("whsec_")
    assert body["secret"] != created["secret"]
    expires = datetime.fromisoformat(body["previous_secret_expires_at"])
    assert abs(expires - (datetime.now(UTC) + 24 * HOUR)) < timedelta(minutes=1)
    assert fakes.box.open(bytes(row["secret_sealed"])) == body["secret"]
    assert fakes.box.open(bytes(row["previous_secret_sealed"])) == created["secret"]
    assert "secret" not in tenant.api.get(f"/webhooks/{webhook}").json()


def test_a_rotation_takes_a_grace_period_of_zero_to_seven_days(
    tenant: Tenant, fakes: WebhookFakes
) -> None:
    webhook = _created(tenant)["id"]

    none = tenant.api.post(f"/webhooks/{webhook}/rotate-secret", {"grace_period_seconds": 0})
    too_long = tenant.api.post(
        f"/webhooks/{webhook}/rotate-secret", {"grace_period_seconds": 7 * 86400 + 1}
    )

    expires = datetime.fromisoformat(none.json()["previous_secret_expires_at"])
    assert abs(expires - datetime.now(UTC)) < timedelta(minutes=1)
    _refused(too_long, "grace_period_seconds")


# -- deliveries ------------------------------------------------------------------------------


def test_the_fan_out_makes_deliveries_listed_newest_first_with_filters_and_pages(
    mailbox: MailSink,
    tenant: Tenant,
    fakes: WebhookFakes,
    container: Container,
    database_url: str,
) -> None:
    webhook = _created(tenant, event_types=["message.received", "message.sent"])["id"]
    _append(container, tenant.organization_id, "message.received", mailbox.support, 3)
    _append(container, tenant.organization_id, "message.sent", mailbox.support)
    _append(container, tenant.organization_id, "domain.verified", None)
    ids = _delivery_ids(database_url, webhook)
    now = datetime.now(UTC)
    for n, delivery in enumerate(ids):
        made = now - (len(ids) - n) * HOUR
        attempts = ((made + timedelta(minutes=5), 200), (made + timedelta(minutes=1), 503))
        settle(
            database_url,
            delivery,
            "delivered" if n % 2 else "failed",
            created_at=made,
            attempts=attempts if n == 1 else (),
        )

    everything = _deliveries(tenant, webhook)
    failed = _deliveries(tenant, webhook, status="failed")
    sent = _deliveries(tenant, webhook, event_type="message.sent")
    window = _deliveries(
        tenant, webhook, since=(now - 3 * HOUR).isoformat(), until=(now - HOUR).isoformat()
    )
    first = _deliveries(tenant, webhook, limit=3)
    rest = _deliveries(tenant, webhook, limit=3, page_token=first["next_page_token"])

    assert len(ids) == 4
    assert [d["id"] for d in everything["data"]] == [str(i) for i in reversed(ids)]
    assert [d["id"] for d in failed["data"]] == [str(ids[2]), str(ids[0])]
    assert [d["event_type"] for d in sent["data"]] == ["message.sent"]
    assert [d["id"] for d in window["data"]] == [str(ids[2]), str(ids[1])]
    assert [d["id"] for d in first["data"] + rest["data"]] == [str(i) for i in reversed(ids)]
    assert rest["next_page_token"] is None
    attempted = everything["data"][2]
    assert attempted["attempt_count"] == 2
    assert [a["status_code"] for a in attempted["attempts"]] == [503, 200]
    assert attempted["webhook_id"] == webhook
    assert attempted["attempts"][0]["response_body"] == "nope"
    one = tenant.api.get(f"/webhooks/{webhook}/deliveries/{ids[1]}").json()
    assert one == attempted


def test_a_bad_filter_is_a_400_naming_it(tenant: Tenant, fakes: WebhookFakes) -> None:
    webhook = _created(tenant)["id"]

    for query, field in [
        ({"status": "lost"}, "status"),
        ({"event_type": "message.exploded"}, "event_type"),
        ({"since": "2026-11-21T12:00:00+00:00", "until": "2026-11-21T11:00:00+00:00"}, "until"),
        ({"since": "2026-11-21T12:00:00"}, "since"),
        ({"page_token": "bm9wZQ"}, "page_token"),
    ]:
        answer = tenant.api.get(f"/webhooks/{webhook}/deliveries", query=urlencode(query))
        _refused(answer, field)


def test_a_retry_sends_a_delivery_again_now_and_hands_it_to_the_dispatcher(
    mailbox: MailSink,
    tenant: Tenant,
    fakes: WebhookFakes,
    container: Container,
    database_url: str,
) -> None:
    webhook = _created(tenant)["id"]
    _append(container, tenant.organization_id, "message.received", mailbox.support, 3)
    failed, leased, waiting = _delivery_ids(database_url, webhook)
    settle(database_url, failed, "failed", attempts=((datetime.now(UTC), 500),))
    settle(database_url, leased, "pending", lease=uuid4())
    sql(
        database_url,
        "UPDATE webhook_deliveries SET next_attempt_at = now() + interval '2 hours' WHERE id = %s",
        waiting,
    )

    retried = tenant.api.post(f"/webhooks/{webhook}/deliveries/{failed}/retry")
    busy = tenant.api.post(f"/webhooks/{webhook}/deliveries/{leased}/retry")
    forward = tenant.api.post(f"/webhooks/{webhook}/deliveries/{waiting}/retry")
    unknown = tenant.api.post(f"/webhooks/{webhook}/deliveries/{uuid4()}/retry")

    assert retried.status == 202, retried.json()
    assert (retried.json()["status"], retried.json()["failed_at"]) == ("pending", None)
    [row] = sql(database_url, "SELECT * FROM webhook_deliveries WHERE id = %s", failed)
    assert (row["status"], row["automatic"], row["lease"], row["failed_at"]) == (
        "pending",
        False,
        None,
        None,
    )
    assert abs(row["next_attempt_at"] - datetime.now(UTC)) < timedelta(minutes=1)
    assert fakes.publish.handed == [[failed], [waiting]]
    _refused(busy, "delivery_id", 409)
    assert forward.status == 202, forward.json()
    [brought] = sql(database_url, "SELECT * FROM webhook_deliveries WHERE id = %s", waiting)
    assert brought["automatic"] is True
    assert abs(brought["next_attempt_at"] - datetime.now(UTC)) < timedelta(minutes=1)
    [still] = sql(database_url, "SELECT lease FROM webhook_deliveries WHERE id = %s", leased)
    assert still["lease"] is not None
    _refused(unknown, "delivery_id", 404)


def test_a_recovery_sends_again_the_failed_deliveries_of_its_window(
    mailbox: MailSink,
    tenant: Tenant,
    fakes: WebhookFakes,
    container: Container,
    database_url: str,
) -> None:
    webhook = _created(tenant)["id"]
    _append(container, tenant.organization_id, "message.received", mailbox.support, 4)
    early, inside, delivered, recent = _delivery_ids(database_url, webhook)
    now = datetime.now(UTC)
    settle(database_url, early, "failed", created_at=now - 30 * HOUR)
    settle(database_url, inside, "failed", created_at=now - 5 * HOUR)
    settle(database_url, delivered, "delivered", created_at=now - 4 * HOUR)
    settle(database_url, recent, "failed", created_at=now - 10 * timedelta(minutes=1))

    answer = tenant.api.post(
        f"/webhooks/{webhook}/recover", {"since": (now - 24 * HOUR).isoformat()}
    )
    bounded = tenant.api.post(
        f"/webhooks/{webhook}/recover",
        {"since": (now - 40 * HOUR).isoformat(), "until": (now - 20 * HOUR).isoformat()},
    )
    too_wide = tenant.api.post(
        f"/webhooks/{webhook}/recover", {"since": (now - 15 * 24 * HOUR).isoformat()}
    )
    no_since = tenant.api.post(f"/webhooks/{webhook}/recover", {})

    assert answer.status == 202, answer.json()
    assert answer.json() == {"recovered": 2}
    assert bounded.json() == {"recovered": 1}
    states = {
        r["id"]: (r["status"], r["automatic"])
        for r in sql(database_url, "SELECT id, status, automatic FROM webhook_deliveries")
    }
    assert states == {
        early: ("pending", False),
        inside: ("pending", False),
        delivered: ("delivered", True),
        recent: ("pending", False),
    }
    assert fakes.publish.handed == [[inside, recent], [early]]
    _refused(too_wide, "since")
    _refused(no_since, "since")


def test_a_disabled_endpoint_is_a_409_to_a_retry_and_a_recovery_and_may_still_be_tested(
    mailbox: MailSink,
    tenant: Tenant,
    fakes: WebhookFakes,
    container: Container,
    database_url: str,
) -> None:
    webhook = _created(tenant)["id"]
    _append(container, tenant.organization_id, "message.received", mailbox.support)
    [delivery] = _delivery_ids(database_url, webhook)
    settle(database_url, delivery, "failed", created_at=datetime.now(UTC) - HOUR)
    assert tenant.api.patch(f"/webhooks/{webhook}", {"enabled": False}).status == 200
    before = sql(database_url, "SELECT * FROM webhook_deliveries")

    retried = tenant.api.post(f"/webhooks/{webhook}/deliveries/{delivery}/retry")
    recovered = tenant.api.post(
        f"/webhooks/{webhook}/recover", {"since": (datetime.now(UTC) - 2 * HOUR).isoformat()}
    )
    tested = tenant.api.post(f"/webhooks/{webhook}/test")

    for answer in (retried, recovered):
        error = _refused(answer, "webhook_id", 409)
        assert error["type"] == "webhook_disabled"
        assert "enable the webhook first" in error["message"]
    assert sql(database_url, "SELECT * FROM webhook_deliveries WHERE NOT test") == before
    assert tested.status == 202, tested.json()
    assert fakes.publish.handed == [[UUID(tested.json()["delivery"]["id"])]]
    assert tenant.api.patch(f"/webhooks/{webhook}", {"enabled": True}).status == 200
    assert tenant.api.post(f"/webhooks/{webhook}/deliveries/{delivery}/retry").status == 202


def test_a_deleted_endpoint_is_a_404_to_a_retry_and_its_deliveries_stay_as_they_are(
    mailbox: MailSink,
    tenant: Tenant,
    fakes: WebhookFakes,
    container: Container,
    database_url: str,
) -> None:
    webhook = _created(tenant)["id"]
    _append(container, tenant.organization_id, "message.received", mailbox.support)
    [delivery] = _delivery_ids(database_url, webhook)
    settle(database_url, delivery, "failed")
    assert tenant.api.delete(f"/webhooks/{webhook}").status == 204

    answer = tenant.api.post(f"/webhooks/{webhook}/deliveries/{delivery}/retry")

    _refused(answer, "webhook_id", 404)
    [row] = sql(database_url, "SELECT status, next_attempt_at FROM webhook_deliveries")
    assert row["status"] == "failed"
    assert fakes.publish.handed == []


def _deliver_on_publish(database_url: str) -> Any:
    """A publish that does what the pipeline would: the receiver answers 204 at once."""

    def publish(delivery_ids: list[UUID]) -> None:
        for delivery in delivery_ids:
            settle(database_url, delivery, "delivered", attempts=((datetime.now(UTC), 204),))

    return publish


def test_a_test_event_goes_to_its_endpoint_alone_and_answers_its_attempt(
    mailbox: MailSink,
    tenant: Tenant,
    fakes: WebhookFakes,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    webhook = _created(tenant)["id"]
    _created(tenant)
    monkeypatch.setattr(webhook_routes, "publish", _deliver_on_publish(database_url))
    monkeypatch.setattr(webhook_routes, "TEST_WAIT", timedelta(seconds=5))

    answer = tenant.api.post(f"/webhooks/{webhook}/test")

    assert answer.status == 200, answer.json()
    body = answer.json()
    assert body["attempt"]["status_code"] == 204
    assert body["attempt"]["trigger"] == "test"
    assert body["delivery"]["event_type"] == "webhook.test"
    [event] = sql(database_url, "SELECT * FROM events WHERE type = 'webhook.test'")
    assert (str(event["id"]), event["payload"]) == (body["event_id"], {"endpoint_id": webhook})
    [delivery] = sql(database_url, "SELECT * FROM webhook_deliveries")
    assert (str(delivery["endpoint_id"]), delivery["test"], delivery["automatic"]) == (
        webhook,
        True,
        False,
    )


def test_a_test_whose_attempt_does_not_come_in_time_is_a_202_with_the_pending_delivery(
    tenant: Tenant, fakes: WebhookFakes, database_url: str
) -> None:
    webhook = _created(tenant)["id"]

    answer = tenant.api.post(f"/webhooks/{webhook}/test")

    assert answer.status == 202, answer.json()
    body = answer.json()
    assert (body["attempt"], body["delivery"]["status"]) == (None, "pending")
    assert fakes.publish.handed == [[UUID(body["delivery"]["id"])]]
    assert _count(database_url, "webhook_deliveries") == 1


# -- isolation -------------------------------------------------------------------------------


def test_another_organisations_endpoint_is_a_404_everywhere(
    mailbox: MailSink,
    tenant: Tenant,
    other_tenant: Tenant,
    fakes: WebhookFakes,
    container: Container,
    database_url: str,
) -> None:
    webhook = _created(tenant)["id"]
    _append(container, tenant.organization_id, "message.received", mailbox.support)
    [delivery] = _delivery_ids(database_url, webhook)
    settle(database_url, delivery, "failed")
    before = sql(database_url, "SELECT * FROM webhook_endpoints")
    them = other_tenant.api
    since = {"since": (datetime.now(UTC) - HOUR).isoformat()}

    answers = [
        them.get(f"/webhooks/{webhook}"),
        them.patch(f"/webhooks/{webhook}", {"enabled": False}),
        them.delete(f"/webhooks/{webhook}"),
        them.post(f"/webhooks/{webhook}/rotate-secret"),
        them.post(f"/webhooks/{webhook}/test"),
        them.get(f"/webhooks/{webhook}/deliveries"),
        them.get(f"/webhooks/{webhook}/deliveries/{delivery}"),
        them.post(f"/webhooks/{webhook}/deliveries/{delivery}/retry"),
        them.post(f"/webhooks/{webhook}/recover", since),
    ]

    for answer in answers:
        _refused(answer, "webhook_id", 404)
    assert them.get("/webhooks").json()["data"] == []
    assert sql(database_url, "SELECT * FROM webhook_endpoints") == before
    [row] = sql(database_url, "SELECT status FROM webhook_deliveries")
    assert row["status"] == "failed"
    assert _count(database_url, "events WHERE type = 'webhook.test'") == 0
    assert fakes.publish.handed == []


def test_an_endpoint_hears_only_its_own_organisations_events(
    mailbox: MailSink,
    tenant: Tenant,
    other_tenant: Tenant,
    fakes: WebhookFakes,
    container: Container,
    database_url: str,
) -> None:
    ours = _created(tenant)["id"]
    theirs = other_tenant.api.post("/webhooks", {"url": URL}).json()["id"]

    _append(container, tenant.organization_id, "message.received", mailbox.support, 2)

    assert len(_deliveries(tenant, ours)["data"]) == 2
    assert _deliveries(other_tenant, theirs)["data"] == []


def test_the_event_catalogue_is_served(tenant: Tenant) -> None:
    answer = tenant.api.get("/event-types")

    assert answer.status == 200
    found = {e["name"]: e for e in answer.json()["data"]}
    assert set(found) == EVENT_TYPES
    assert "ses_message_id" in found["message.sent"]["payload_schema"]["properties"]
    assert set(found["webhook.test"]["example"]) == {"endpoint_id"}
