"""What the API's property and contract tests attack: the OpenAPI document the handler serves,
a world of two organisations with something of every kind, and a snapshot of everything
stored (every table of the database, every object of the bucket) to prove a refused request
left nothing behind."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import psycopg
import pytest
from psycopg import sql

from functions.api import handler as api_handler
from local.apigw import LambdaContext, ProxyResult, proxy_event
from mailman.composition import Container
from mailman.services import domains
from tests.dmarc_mail import gzipped, report_mail, report_xml
from tests.jose import ec_key, public_pem

from .conftest import BUCKET, ApiClient, Tenant
from .mail_helpers import MailSink, receive_raw
from .sending_helpers import OutboundPipeline, verify_for_sending
from .webhook_helpers import use_webhook_fakes

JSON = "application/json"
ID_PARAMETERS = (
    "domain_id",
    "inbox_id",
    "key_id",
    "auth_key_id",
    "thread_id",
    "message_id",
    "attachment_id",
    "draft_id",
    "folder_id",
    "webhook_id",
    "delivery_id",
    "dmarc_report_id",
)

# What the admission of every request writes (token buckets: a key's, its organisation's,
# a source address's; when a key was last used): a refused request may touch those, so the
# snapshot counts the rows of such tables but does not compare their values.
BOOKKEEPING_TABLE_SUFFIX = "buckets"
BOOKKEEPING_COLUMNS = ("last_used_at",)


def openapi_document() -> dict[str, Any]:
    """The document the handler serves at `/openapi.json` (public: no database needed)."""
    event = proxy_event("GET", "/openapi.json")
    result = ProxyResult.of(api_handler.handler(event, LambdaContext(function_name="mailman-api")))
    assert result.status == 200, result.body
    document: dict[str, Any] = json.loads(result.body)
    return document


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    def parameters(self, location: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p.get("in") == location]

    def body_schema(self) -> dict[str, Any] | None:
        content = (self.spec.get("requestBody") or {}).get("content") or {}
        found = (content.get(JSON) or {}).get("schema")
        return found if isinstance(found, dict) else None

    @property
    def public(self) -> bool:
        """An operation that names no scope needs no credential (`access.requires`)."""
        return not self.spec.get("security")


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of the document, in the document's order."""
    return [
        Operation(method.upper(), path, spec)
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


ATTACHED = (
    "From: Bob <bob@elsewhere.example>\r\nTo: support@{domain}\r\nSubject: Invoice\r\n"
    "Message-ID: <invoice@{domain}>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n"
    "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
    "Invoice attached.\r\n--B\r\nContent-Type: application/pdf\r\n"
    "Content-Disposition: attachment; filename=invoice.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--B--\r\n"
)


@dataclass(frozen=True)
class Holdings:
    """One organisation's resources, as ids by the name of the path parameter that takes them."""

    ids: dict[str, tuple[str, ...]]


def _created(answer: Any, status: int = 201) -> dict[str, Any]:
    assert answer.status == status, answer.json()
    found: dict[str, Any] = answer.json()
    return found


def _furnish(api: ApiClient, box: MailSink, domain_id: str, domain: str) -> Holdings:
    """A received message with an attachment, a sent one, a scheduled one, a draft, a custom
    folder, an upload, a spare API key (never the one the tests authenticate with: deleting
    it is allowed), a token signing key, a suppressed address, a webhook endpoint with the
    received message's delivery, and a DMARC report of the domain."""
    webhook = _created(api.post("/webhooks", {"url": "https://hooks.customer.example/in"}))
    receive_raw(
        box,
        ATTACHED.format(domain=domain).encode(),
        source_id=f"ses-{domain}",
        envelope=(f"support@{domain}",),
    )
    inbox = str(box.support)
    [received] = api.get(f"/inboxes/{inbox}/messages").json()["data"]
    received = api.get(f"/messages/{received['id']}").json()
    sent = _created(
        api.post(
            f"/inboxes/{inbox}/messages",
            {"to": ["jane@customer.example"], "subject": "Hello", "text": "Hi"},
        ),
        202,
    )
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    scheduled = _created(
        api.post(
            f"/inboxes/{inbox}/messages",
            {"to": ["jane@customer.example"], "subject": "Later", "text": "Soon", "send_at": later},
        ),
        202,
    )
    draft = _created(api.post(f"/inboxes/{inbox}/drafts", {"subject": "Plan", "text": "Draft"}))
    folder = _created(api.post(f"/inboxes/{inbox}/folders", {"name": "Clients"}))
    upload = _created(api.post("/attachments", {"filename": "report.pdf"}))
    key = urlsplit(upload["upload_url"]).path.lstrip("/").removeprefix(f"{BUCKET}/")
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=BUCKET, Key=key, Body=b"%PDF-1.4", ContentType=upload["content_type"]
    )
    spare = _created(api.post("/api-keys", {"name": "spare"}))
    signing_key = {"kid": "agents", "algorithm": "ES256", "public_key": public_pem(ec_key())}
    signing = _created(api.post("/auth-keys", signing_key))
    suppressed = _created(api.post("/suppressions", {"address": f"former@{domain}"}))
    [delivery] = api.get(f"/webhooks/{webhook['id']}/deliveries").json()["data"]
    reports = f"dmarc-reports@{domain}"
    xml = report_xml("r1", [("192.0.2.1", 3, "pass", "fail")], domain=domain)
    receive_raw(
        box,
        report_mail([("r.xml.gz", "application/gzip", gzipped(xml))], to=reports),
        source_id=f"ses-{reports}",
        envelope=(reports,),
    )
    [report] = api.get(f"/domains/{domain_id}/dmarc/reports").json()["data"]
    return Holdings(
        {
            "domain_id": (domain_id,),
            "inbox_id": (inbox,),
            "key_id": (str(spare["id"]),),
            "auth_key_id": (str(signing["id"]),),
            "thread_id": (str(received["thread_id"]), str(sent["thread_id"])),
            "message_id": (str(received["id"]), str(sent["id"]), str(scheduled["id"])),
            "attachment_id": (*(str(a["id"]) for a in received["attachments"]), str(upload["id"])),
            "draft_id": (str(draft["id"]),),
            "folder_id": (str(folder["id"]),),
            "address": (suppressed["address"],),
            "webhook_id": (str(webhook["id"]),),
            "delivery_id": (str(delivery["id"]),),
            "dmarc_report_id": (str(report["id"]),),
        }
    )


@dataclass(frozen=True)
class ApiWorld:
    """The organisation the tests act as, what it holds, and what the other one holds."""

    api: ApiClient
    key: str
    own: Holdings
    foreign: Holdings
    database_url: str
    s3: Any = field(default_factory=lambda: boto3.client("s3", region_name="us-east-1"))

    def snapshot(self) -> Snapshot:
        return Snapshot.take(self.database_url, self.s3)


@dataclass(frozen=True)
class Snapshot:
    """Every table's rows (counted, and hashed but for bookkeeping) and the bucket's keys."""

    tables: dict[str, tuple[int, str]]
    objects: frozenset[str]

    @classmethod
    def take(cls, database_url: str, s3: Any) -> Snapshot:
        with psycopg.connect(database_url, autocommit=True) as conn:
            tables = {
                str(name): (int(count), str(digest))
                for name, count, digest in conn.execute(_digest_query(database_url)).fetchall()
            }
        keys: set[str] = set()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            keys.update(str(o["Key"]) for o in page.get("Contents", []))
        return cls(tables, frozenset(keys))

    def changes_since(self, before: Snapshot) -> list[str]:
        """What differs from `before`, one line a table or object."""
        changed = [
            f"table {name}: {before.tables.get(name)} -> {now}"
            for name, now in self.tables.items()
            if before.tables.get(name) != now
        ]
        changed += [f"object added: {key}" for key in sorted(self.objects - before.objects)]
        changed += [f"object removed: {key}" for key in sorted(before.objects - self.objects)]
        return changed


@functools.lru_cache(maxsize=4)
def _digest_query(database_url: str) -> sql.Composed:
    """One query digesting every table of the database (the same tables all through a test)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        names = [
            str(row[0])
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
                "ORDER BY table_name"
            ).fetchall()
        ]
    return sql.SQL(" UNION ALL ").join(_table_digest(name) for name in names)


def _table_digest(name: str) -> sql.Composed:
    if name.endswith(BOOKKEEPING_TABLE_SUFFIX):
        return sql.SQL("SELECT {name}, count(*), '' FROM {table}").format(
            name=sql.Literal(name), table=sql.Identifier(name)
        )
    row: sql.Composable = sql.SQL("to_jsonb(t)")
    for column in BOOKKEEPING_COLUMNS:
        row = sql.SQL("({row} - {column})").format(row=row, column=sql.Literal(column))
    return sql.SQL(
        "SELECT {name}, count(*), "
        "coalesce(md5(string_agg({row}::text, ',' ORDER BY {row}::text)), '') FROM {table} t"
    ).format(name=sql.Literal(name), row=row, table=sql.Identifier(name))


def build_world(
    outbox: OutboundPipeline, other: Tenant, container: Container, database_url: str
) -> ApiWorld:
    """Both organisations: a domain verified to send and receive with an inbox, and
    something of every kind in it."""
    own = _furnish(
        outbox.tenant.api, outbox.box, _domain_id(outbox.tenant, database_url), "example.com"
    )
    other_domain = domains.create_domain(
        container.uow,
        container.verifier.identities,
        "us-east-1",
        other.organization_id,
        "example.net",
        domains.DomainSettings(),
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE domains SET mx_verified = true WHERE id = %s", [other_domain.id])
    verify_for_sending(database_url, "example.net")
    other_inbox = _created(
        other.api.post("/inboxes", {"domain_id": str(other_domain.id), "local_part": "support"})
    )
    other_box = MailSink(
        container, container.blobs, database_url, other.organization_id, other_inbox["id"]
    )
    foreign = _furnish(other.api, other_box, str(other_domain.id), "example.net")
    return ApiWorld(outbox.tenant.api, outbox.tenant.key, own, foreign, database_url)


def _domain_id(tenant: Tenant, database_url: str) -> str:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT id FROM domains WHERE organization_id = %s", [tenant.organization_id]
        ).fetchone()
    assert row is not None
    return str(row[0])


@pytest.fixture
def world(
    outbox: OutboundPipeline,
    other_tenant: Tenant,
    container: Container,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> ApiWorld:
    """The world, with the rate limits out of the way (a 429 would hide what a request does),
    and webhooks sealed with a key file, resolved from a table, and published nowhere (a
    test answers at once: 202)."""
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "100000")
    monkeypatch.setenv("ORGANIZATION_RATE_LIMIT_PER_MINUTE", "100000")
    use_webhook_fakes(monkeypatch, tmp_path / "webhook-secrets.key")
    return build_world(outbox, other_tenant, container, database_url)
