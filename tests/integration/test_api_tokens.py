"""Customer-signed tokens through the API handler over a real database: the RFC 8725
negative matrix (each refusal the same 401, nothing leaked), tokens that work, their rate
limit per subject, and what a token leaves in the event log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from mailman.domain.ratelimit import FAILED_AUTHENTICATIONS_PER_MINUTE
from tests.jose import (
    PrivateKey,
    algorithm_of,
    b64url,
    claims_for,
    ec_key,
    public_jwk,
    public_pem,
    rsa_key,
    sign,
    token,
)

from .conftest import ApiClient, Response, Tenant
from .mail_helpers import MailSink
from .sending_helpers import OutboundPipeline, outbox

__all__ = ["outbox"]

REFUSAL = {"type": "unauthorized", "message": "invalid or expired token", "field": "Authorization"}
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Signer:
    """A key registered for the tenant under `kid`, and the tokens it signs."""

    tenant: Tenant
    key: PrivateKey
    kid: str
    key_id: str

    def token(self, **claims: Any) -> str:
        return token(self.key, self.kid, self.tenant.organization_id, **claims)

    def signed(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        return sign({"alg": algorithm_of(self.key), "kid": self.kid, **header}, claims, self.key)

    def claims(self, **more: Any) -> dict[str, Any]:
        return claims_for(self.tenant.organization_id, **more)


def register(tenant: Tenant, key: PrivateKey, kid: str) -> Signer:
    response = tenant.api.post(
        "/auth-keys", {"kid": kid, "algorithm": algorithm_of(key), "public_key": public_pem(key)}
    )
    assert response.status == 201, response.json()
    return Signer(tenant, key, kid, response.json()["id"])


@pytest.fixture
def signer(tenant: Tenant) -> Signer:
    return register(tenant, ec_key(), "k1")


def _refused_as_any_bad_token(response: Response) -> bool:
    """A 401 saying no more than any refused token's does."""
    error = dict(response.json()["error"])
    assert error.pop("trace_id") == response.header("X-Trace-Id")
    return response.status == 401 and error == REFUSAL and set(response.json()) == {"error"}


# -- the negative matrix (RFC 8725) -------------------------------------------------------------


def _tampered_payload(s: Signer) -> str:
    header, _, signature = s.token().split(".")
    forged = b64url(json.dumps(s.claims(sub="admin", scope="keys:admin")).encode())
    return f"{header}.{forged}.{signature}"


def _tampered_signature(s: Signer) -> str:
    good = s.token()
    last = good[-2]
    return good[:-2] + ("A" if last != "A" else "B") + good[-1]


def _oversized(s: Signer) -> str:
    return s.token(padding="x" * 8200)


def _non_json_header(s: Signer) -> str:
    _, payload, signature = s.token().split(".")
    return f"{b64url(b'{not json')}.{payload}.{signature}"


def _non_json_payload(s: Signer) -> str:
    header, _, signature = s.token().split(".")
    return f"{header}.{b64url(bytes(range(16)))}.{signature}"


def _another_organisations_key_of_the_same_kid(s: Signer, other: Tenant) -> str:
    theirs = register(other, ec_key(), s.kid)
    return token(theirs.key, s.kid, s.tenant.organization_id)


def _revoked(s: Signer) -> str:
    good = s.token()
    assert ApiClient(good).get("/inboxes").status == 200  # the key is cached now
    assert s.tenant.api.delete(f"/auth-keys/{s.key_id}").status == 204
    return good


def _now() -> int:
    return int(time.time())


MATRIX: dict[str, Callable[[Signer, Tenant], str]] = {
    "alg none": lambda s, _: sign({"alg": "none", "kid": s.kid}, s.claims(), None),
    "HS256 keyed with the public key": lambda s, _: sign(
        {"alg": "HS256", "kid": s.kid}, s.claims(), public_pem(s.key).encode()
    ),
    "an alg other than the key's": lambda s, _: sign(
        {"alg": "RS256", "kid": s.kid}, s.claims(), rsa_key()
    ),
    "unknown kid": lambda s, _: token(s.key, "k2", s.tenant.organization_id),
    "missing kid": lambda s, _: sign({"alg": "ES256"}, s.claims(), s.key),
    "revoked key": lambda s, _: _revoked(s),
    "expired": lambda s, _: s.token(iat=_now() - 600, exp=_now() - 120),
    "nbf in the future": lambda s, _: s.token(nbf=_now() + 600),
    "no exp": lambda s, _: s.token(exp=None),
    "lifetime over the cap": lambda s, _: s.token(lifetime=24 * 3600 + 60),
    "wrong aud": lambda s, _: s.token(audience="another-deployment"),
    "no aud": lambda s, _: s.signed({}, s.claims(aud=None)),
    "wrong iss": lambda s, other: s.token(iss=str(other.organization_id)),
    "unknown iss": lambda s, _: s.token(iss=str(uuid4())),
    "iss not an organisation id": lambda s, _: s.token(iss="https://acme.example"),
    "tampered payload": lambda s, _: _tampered_payload(s),
    "tampered signature": lambda s, _: _tampered_signature(s),
    "crit with an unknown extension": lambda s, _: s.signed(
        {"crit": ["https://acme.example/ext"], "https://acme.example/ext": True}, s.claims()
    ),
    "larger than 8 KB": lambda s, _: _oversized(s),
    "non-JSON header": lambda s, _: _non_json_header(s),
    "non-JSON payload": lambda s, _: _non_json_payload(s),
    "a key of another organisation with the same kid": _another_organisations_key_of_the_same_kid,
    "a kid with a NUL": lambda s, _: sign({"alg": "ES256", "kid": "a\x00b"}, s.claims(), s.key),
    "a kid of a lone surrogate": lambda s, _: sign(
        {"alg": "ES256", "kid": "\ud800"}, s.claims(), s.key
    ),
    "exp beyond any float": lambda s, _: s.token(exp=10**400),
    "inboxes null": lambda s, _: s.signed({}, {**s.claims(), "inboxes": None}),
}


@pytest.mark.parametrize("case", MATRIX)
def test_a_bad_token_is_refused_saying_no_more_than_any_other(
    signer: Signer, other_tenant: Tenant, case: str
) -> None:
    bad = MATRIX[case](signer, other_tenant)

    response = ApiClient(bad).get("/inboxes")

    assert _refused_as_any_bad_token(response)
    assert ApiClient(signer.token()).get("/inboxes").status == (
        401 if case == "revoked key" else 200
    )


@dataclass
class KeyServer:
    """A server on 127.0.0.1 that would hand out the attacker's key, counting who asks."""

    url: str
    requests: list[str]


@contextmanager
def key_server(attacker: PrivateKey) -> Iterator[KeyServer]:
    requests: list[str] = []
    body = json.dumps({"keys": [{**public_jwk(attacker), "kid": "k1"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 1
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield KeyServer(f"http://127.0.0.1:{server.server_address[1]}", requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize("pointer", ["jku", "x5u", "jwk"])
def test_a_key_the_token_points_at_is_never_fetched_nor_trusted(
    signer: Signer, pointer: str
) -> None:
    attacker = ec_key()
    with key_server(attacker) as server:
        where: Any = public_jwk(attacker) if pointer == "jwk" else f"{server.url}/keys.json"
        forged = sign(
            {"alg": "ES256", "kid": signer.kid, pointer: where}, signer.claims(), attacker
        )

        response = ApiClient(forged).get("/inboxes")

        assert _refused_as_any_bad_token(response)
        assert server.requests == []


def test_a_token_pointing_at_a_key_server_still_works_when_signed_by_its_key(
    signer: Signer,
) -> None:
    with key_server(ec_key()) as server:
        pointing = signer.signed({"jku": f"{server.url}/keys.json"}, signer.claims())

        assert ApiClient(pointing).get("/inboxes").status == 200
        assert server.requests == []


# -- tokens that work ------------------------------------------------------------------------


def test_a_token_reaching_no_inbox_uploads_nothing(signer: Signer) -> None:
    nowhere = signer.token(scope="messages:send", inboxes=["nobody@nowhere.example"])

    answer = ApiClient(nowhere).post(
        "/attachments", {"filename": "plan.pdf", "content_type": "application/pdf"}
    )

    assert answer.status == 403
    assert "reaches no inbox" in answer.json()["error"]["message"]


def test_a_token_may_not_make_credentials(signer: Signer) -> None:
    admin = ApiClient(signer.token(scope="keys:admin"))

    key = admin.post("/api-keys", {"name": "forever"})
    signing = admin.post(
        "/auth-keys", {"kid": "mine", "algorithm": "ES256", "public_key": public_pem(ec_key())}
    )

    assert (key.status, signing.status) == (403, 403)
    assert "outlive" in key.json()["error"]["message"]
    assert admin.get("/api-keys").status == 200


def test_the_logs_name_a_tokens_subject_and_no_subject_for_an_api_key(
    tenant: Tenant, signer: Signer
) -> None:
    from functions.runtime import logger

    assert ApiClient(signer.token(sub="agent-44")).get("/inboxes").status == 200
    after_token = dict(logger.get_current_keys())
    assert ApiClient(tenant.key).get("/inboxes").status == 200
    after_key = dict(logger.get_current_keys())
    assert ApiClient("mm_live_not-a-key").get("/inboxes").status == 401
    after_refusal = dict(logger.get_current_keys())

    assert (after_token["credential"], after_token["key_id"], after_token["subject"]) == (
        "token",
        signer.key_id,
        "agent-44",
    )
    assert (after_key["credential"], after_key.get("subject")) == ("api_key", None)
    assert [after_refusal.get(k) for k in ("organization_id", "credential", "key_id")] == [None] * 3


@pytest.mark.parametrize("make_key", [ec_key, rsa_key], ids=["ES256", "RS256"])
def test_a_token_reads_its_inbox(
    tenant: Tenant, mailbox: MailSink, make_key: Callable[[], PrivateKey]
) -> None:
    signer = register(tenant, make_key(), "agent-signer")
    bound = signer.token(scope="inboxes:read", inboxes=[str(mailbox.support)])

    response = ApiClient(bound).get(f"/inboxes/{mailbox.support}")

    assert response.status == 200
    assert response.json()["id"] == str(mailbox.support)


def test_a_token_counts_its_failures_against_the_address_as_a_bad_key_does(
    signer: Signer,
) -> None:
    bad = signer.token(audience="elsewhere")
    attacker = ApiClient(bad, source_ip="203.0.113.9")

    statuses = [attacker.get("/inboxes").status for _ in range(FAILED_AUTHENTICATIONS_PER_MINUTE)]

    assert statuses == [401] * FAILED_AUTHENTICATIONS_PER_MINUTE
    assert attacker.get("/inboxes").status == 429
    assert ApiClient(signer.token(), source_ip="203.0.113.9").get("/inboxes").status == 429
    assert ApiClient(signer.token(), source_ip="203.0.113.10").get("/inboxes").status == 200


def test_each_subject_of_an_issuer_has_its_own_rate_limit(
    signer: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.api import dependencies

    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "2")
    dependencies.container.cache_clear()  # the next request reads the settings anew
    first, second = ApiClient(signer.token(sub="agent-a")), ApiClient(signer.token(sub="agent-b"))

    statuses = [first.get("/inboxes").status for _ in range(3)]
    refused = first.get("/inboxes")
    other = second.get("/inboxes")

    assert statuses == [200, 200, 429]
    assert refused.header("Retry-After") is not None
    assert refused.header("RateLimit-Limit") == "2"
    assert other.status == 200
    assert signer.tenant.api.get("/inboxes").status == 200
    dependencies.container().database.close()


def test_the_event_log_records_the_tokens_subject(outbox: OutboundPipeline) -> None:
    signer = register(outbox.tenant, ec_key(), "sender")
    agent = ApiClient(signer.token(sub="agent-42", scope="messages:send"))
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    sent = agent.post(
        f"/inboxes/{outbox.box.support}/messages",
        {"to": ["jane@customer.example"], "subject": "Hi", "text": "Hello", "send_at": later},
    )
    assert sent.status == 202, sent.json()

    cancelled = agent.post(f"/messages/{sent.json()['id']}/cancel")

    assert cancelled.status == 200, cancelled.json()
    with psycopg.connect(outbox.box.database_url) as conn:
        actors = [
            row[0]
            for row in conn.execute("SELECT actor FROM events WHERE type = 'message.cancelled'")
        ]
    assert actors == [{"credential": "token", "key_id": signer.key_id, "subject": "agent-42"}]


def test_the_outbound_functions_sent_event_names_the_token_that_sent(
    outbox: OutboundPipeline,
) -> None:
    signer = register(outbox.tenant, ec_key(), "sender")
    agent = ApiClient(signer.token(sub="agent-43", scope="messages:send"))
    sent = agent.post(
        f"/inboxes/{outbox.box.support}/messages",
        {"to": ["jane@customer.example"], "subject": "Hi", "text": "Hello"},
    )
    assert sent.status == 202, sent.json()

    outbox.run()

    with psycopg.connect(outbox.box.database_url) as conn:
        rows = conn.execute(
            "SELECT type, actor FROM events WHERE payload->>'message_id' = %s",
            [sent.json()["id"]],
        ).fetchall()
    assert rows == [
        ("message.sent", {"credential": "token", "key_id": signer.key_id, "subject": "agent-43"})
    ]


# -- cold start ---------------------------------------------------------------------------------

_PROBE = """
import json, sys
from functions.api import handler
from local.apigw import LambdaContext, proxy_event

def status(bearer):
    event = proxy_event("GET", "/inboxes", headers=[("Authorization", "Bearer " + bearer)])
    return handler.handler(event, LambdaContext(function_name="mailman-api"))["statusCode"]

def loaded():
    return sorted({m.split(".")[0] for m in sys.modules} & {"jwt", "cryptography"})

first = status(sys.argv[1]), loaded()
second = status(sys.argv[2]), loaded()
print(json.dumps([first, second]))
"""


def test_an_api_key_request_never_loads_the_token_verifier(
    signer: Signer, database_url: str
) -> None:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }

    ran = subprocess.run(
        [sys.executable, "-c", _PROBE, signer.tenant.key, signer.token()],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    [(key_status, after_key), (token_status, after_token)] = json.loads(ran.stdout)
    assert (key_status, after_key) == (200, [])
    assert (token_status, after_token) == (200, ["cryptography", "jwt"])
