"""Scoped and inbox-bound API keys through the API: made, shown and refused as asked; what a
key may do then; the event log's record of who did what; and a bound key's own webhook,
tested (PostgreSQL's row-level security, migrations 0017 and 0018)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.jose import ec_key, public_pem

from ..mail import make_mail
from .conftest import ApiClient, Response, Tenant
from .mail_helpers import receive_raw
from .sending_helpers import OutboundPipeline, outbox
from .webhook_helpers import use_webhook_fakes

__all__ = ["outbox"]

HOOK = "https://hooks.customer.example/in"


def _key(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    answer = tenant.api.post("/api-keys", {"name": "agent", **fields})
    assert answer.status == 201, answer.json()
    created: dict[str, Any] = answer.json()
    return created


def _error(answer: Response, status: int) -> dict[str, Any]:
    assert answer.status == status, answer.json()
    error: dict[str, Any] = answer.json()["error"]
    return error


def test_a_key_is_made_with_its_scopes_and_inboxes_and_shown_with_them(
    outbox: OutboundPipeline,
) -> None:
    tenant, inbox = outbox.tenant, str(outbox.box.support)

    made = _key(tenant, scopes=["messages:send", "messages:read"], inbox_ids=[inbox])
    shown = tenant.api.get(f"/api-keys/{made['id']}").json()
    listed = {k["id"]: k for k in tenant.api.get("/api-keys").json()["data"]}

    assert (made["scopes"], made["inbox_ids"]) == (["messages:read", "messages:send"], [inbox])
    assert (shown["scopes"], shown["inbox_ids"]) == (made["scopes"], made["inbox_ids"])
    assert listed[made["id"]]["scopes"] == made["scopes"]
    assert [(k["scopes"], k["inbox_ids"]) for i, k in listed.items() if i != made["id"]] == [
        (None, None)
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"scopes": ["messages:read", "mail:everything"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"scopes": "messages:read"}, "scopes"),
        ({"inbox_ids": []}, "inbox_ids"),
        ({"inbox_ids": ["00000000-0000-4000-8000-000000000000"]}, "inbox_ids"),
        ({"inbox_ids": ["support"]}, "inbox_ids[0]"),
    ],
)
def test_a_key_asking_for_what_is_not_there_is_refused(
    outbox: OutboundPipeline, fields: dict[str, Any], field: str
) -> None:
    tenant = outbox.tenant

    error = _error(tenant.api.post("/api-keys", {"name": "agent", **fields}), 400)

    assert error["field"] == field
    assert len(tenant.api.get("/api-keys").json()["data"]) == 1


def test_another_organisations_inbox_cannot_bind_a_key(
    outbox: OutboundPipeline, other_tenant: Tenant
) -> None:
    error = _error(
        other_tenant.api.post(
            "/api-keys", {"name": "agent", "inbox_ids": [str(outbox.box.support)]}
        ),
        400,
    )

    assert error["field"] == "inbox_ids"


def test_a_scoped_bound_key_does_what_it_holds_and_nothing_more(
    outbox: OutboundPipeline,
) -> None:
    inbox = str(outbox.box.support)
    scopes = ["messages:read", "domains:read"]
    agent = ApiClient(_key(outbox.tenant, scopes=scopes, inbox_ids=[inbox])["key"])
    send = {"to": ["jane@customer.example"], "text": "Hi"}

    read = agent.get(f"/inboxes/{inbox}/messages")
    sent = agent.post(f"/inboxes/{inbox}/messages", send)
    domains = agent.get("/domains")

    assert read.status == 200
    assert _error(sent, 403)["details"] == {"required_scope": "messages:send"}
    assert _error(domains, 403)["details"] == {
        "required_scope": "domains:read",
        "organization_wide": True,
    }


def test_the_event_log_shows_who_did_what(outbox: OutboundPipeline) -> None:
    tenant, inbox = outbox.tenant, str(outbox.box.support)
    made = _key(tenant, scopes=["messages:send", "events:read"])
    agent = ApiClient(made["key"])
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = {"to": ["jane@customer.example"], "text": "Later", "send_at": later}
    scheduled = tenant.api.post(f"/inboxes/{inbox}/messages", body).json()

    assert agent.post(f"/messages/{scheduled['id']}/cancel").status == 200
    [cancelled] = agent.get("/events", query="type=message.cancelled").json()["data"]

    assert cancelled["actor"] == {"credential": "api_key", "key_id": made["id"], "subject": None}


def test_the_sent_event_names_who_sent_and_received_mail_has_no_actor(
    outbox: OutboundPipeline,
) -> None:
    made = _key(outbox.tenant, scopes=["messages:send"])
    ApiClient(made["key"]).post(
        f"/inboxes/{outbox.box.support}/messages", {"to": ["jane@customer.example"], "text": "Hi"}
    )
    outbox.run()
    receive_raw(outbox.box, make_mail(to="support@example.com"))

    [sent] = outbox.tenant.api.get("/events", query="type=message.sent").json()["data"]
    [received] = outbox.tenant.api.get("/events", query="type=message.received").json()["data"]

    assert sent["actor"] == {"credential": "api_key", "key_id": made["id"], "subject": None}
    assert received["actor"] is None


def test_a_bound_key_may_not_make_its_inbox_the_domains_catch_all(
    outbox: OutboundPipeline,
) -> None:
    inbox = str(outbox.box.support)
    agent = ApiClient(_key(outbox.tenant, inbox_ids=[inbox])["key"])

    refused = agent.patch(f"/inboxes/{inbox}", {"catch_all": True})
    renamed = agent.patch(f"/inboxes/{inbox}", {"display_name": "Agent"})

    assert _error(refused, 403)["field"] == "catch_all"
    assert renamed.status == 200
    assert outbox.tenant.api.get(f"/inboxes/{inbox}").json()["catch_all"] is False


def test_a_key_may_not_mint_a_key_stronger_than_itself(outbox: OutboundPipeline) -> None:
    admin = ApiClient(_key(outbox.tenant, scopes=["keys:admin", "messages:read"])["key"])

    wider = admin.post("/api-keys", {"name": "wider", "scopes": ["messages:send"]})
    everything = admin.post("/api-keys", {"name": "everything"})
    signing = admin.post(
        "/auth-keys", {"kid": "k", "algorithm": "ES256", "public_key": public_pem(ec_key())}
    )
    narrower = admin.post("/api-keys", {"name": "narrower", "scopes": ["messages:read"]})

    assert _error(wider, 403)["field"] == "scopes"
    assert "messages:send" in _error(wider, 403)["message"]
    assert _error(everything, 403)["field"] == "scopes"
    assert _error(signing, 403)["field"] == "scopes"
    assert narrower.status == 201


def test_two_bound_agents_keep_their_idempotency_keys_apart(outbox: OutboundPipeline) -> None:
    inbox = str(outbox.box.support)
    first, second = (
        ApiClient(_key(outbox.tenant, scopes=["messages:send"], inbox_ids=[inbox])["key"])
        for _ in range(2)
    )
    headers = {"Idempotency-Key": "order-1"}

    a = first.post(
        f"/inboxes/{inbox}/messages", {"to": ["a@b.example"], "text": "A"}, headers=headers
    )
    b = second.post(
        f"/inboxes/{inbox}/messages", {"to": ["c@d.example"], "text": "B"}, headers=headers
    )
    again = first.post(
        f"/inboxes/{inbox}/messages", {"to": ["a@b.example"], "text": "A"}, headers=headers
    )

    assert (a.status, b.status, again.status) == (202, 202, 202)
    assert a.json()["id"] != b.json()["id"]
    assert again.json()["id"] == a.json()["id"]


def test_a_bound_key_tests_its_own_webhook_and_reads_the_test(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_webhook_fakes(monkeypatch, tmp_path / "webhook-secrets.key")
    inbox = str(outbox.box.support)
    agent = ApiClient(_key(outbox.tenant, inbox_ids=[inbox])["key"])
    hook = agent.post("/webhooks", {"url": HOOK, "inbox_ids": [inbox]}).json()

    tested = agent.post(f"/webhooks/{hook['id']}/test")
    seen = agent.get("/events", query="type=webhook.test").json()["data"]

    assert tested.status == 202, tested.json()
    assert [e["subject_id"] for e in seen] == [hook["id"]]
    assert seen[0]["actor"]["credential"] == "api_key"


def test_a_bound_key_does_not_read_the_tests_of_another_webhook(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_webhook_fakes(monkeypatch, tmp_path / "webhook-secrets.key")
    tenant, inbox = outbox.tenant, str(outbox.box.support)
    everywhere = tenant.api.post("/webhooks", {"url": HOOK}).json()
    agent = ApiClient(_key(tenant, inbox_ids=[inbox])["key"])

    assert tenant.api.post(f"/webhooks/{everywhere['id']}/test").status == 202
    seen = agent.get("/events", query="type=webhook.test").json()["data"]

    assert seen == []
    assert _error(agent.post(f"/webhooks/{everywhere['id']}/test"), 404)["type"] == "not_found"
