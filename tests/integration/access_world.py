"""The world the authorisation matrix runs in, built once for its module: two organisations,
each with a domain verified to send and receive and two inboxes (`A`, `B`), and in each
inbox a received message with an attachment, a sent one, a scheduled one, a draft, a
custom folder and a webhook endpoint scoped to it with a delivery; in each organisation
uploads (by an unbound caller and by one bound to each inbox), a suppressed address, a
spare API key and the registered key that signs its tokens. Also what a credential of each
kind is made with (`Credentials`), and every id a credential must never be shown
(`forbidden`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit
from uuid import UUID

import boto3
import psycopg
import pytest
from moto import mock_aws

from functions.api import dependencies
from local import ses_simulator
from local.dns_zone import LocalZone
from local.postgres import drop_database, ensure_database
from mailman.composition import Container, build_container
from mailman.config import Settings
from mailman.domain.access import ALL_SCOPES, Scope
from mailman.services import domains, organizations
from mailman.services.auth import api_keys
from tests.dmarc_mail import report_mail
from tests.jose import PrivateKey, ec_key, public_pem, token

from .conftest import BUCKET, ApiClient, Response, function_container
from .mail_helpers import MailSink, receive_raw
from .sending_helpers import QUEUE, verify_for_sending
from .webhook_helpers import use_webhook_fakes

INBOXES = ("A", "B")
MAIL = (
    "From: Bob <bob@elsewhere.example>\r\nTo: {address}\r\nSubject: Invoice {n}\r\n"
    "Message-ID: <invoice-{n}@elsewhere.example>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n"
    "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
    "Invoice attached.\r\n--B\r\nContent-Type: application/pdf\r\n"
    "Content-Disposition: attachment; filename=invoice.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--B--\r\n"
)
HOOK = "https://hooks.customer.example/in"


class Credentials(Protocol):
    """How the matrix makes a credential of one kind: the bearer token for an organisation,
    holding `scopes` (None: every scope) and bound to `inbox_ids` (None: every inbox).
    `test_authorization_matrix.CREDENTIALS` lists the kinds every operation is held to."""

    name: str

    def bearer(
        self,
        world: World,
        organization: Organization,
        *,
        scopes: frozenset[Scope] | None,
        inbox_ids: frozenset[UUID] | None,
    ) -> str: ...


@dataclass(frozen=True)
class ApiKeyCredentials:
    name: str = "api_key"

    def bearer(
        self,
        world: World,
        organization: Organization,
        *,
        scopes: frozenset[Scope] | None,
        inbox_ids: frozenset[UUID] | None,
    ) -> str:
        created = api_keys.create_api_key(
            world.container.uow,
            world.container.clock,
            organization.id,
            name="matrix",
            scopes=None if scopes is None else sorted(scopes),
            inbox_ids=inbox_ids,
        )
        return created.secret


@dataclass(frozen=True)
class TokenCredentials:
    """JWTs signed with the organisation's registered key (`Organization.signing`), as a
    customer's backend mints them for its agents: a subject of their own each, the scopes
    in `scope` (every one, spelt out, for every scope) and the inboxes in `inboxes`."""

    name: str = "token"

    def bearer(
        self,
        world: World,
        organization: Organization,
        *,
        scopes: frozenset[Scope] | None,
        inbox_ids: frozenset[UUID] | None,
    ) -> str:
        key, kid = organization.signing
        return token(
            key,
            kid,
            organization.id,
            sub=f"agent-{len(world.minted)}",
            scope=" ".join(sorted(ALL_SCOPES if scopes is None else scopes)),
            inboxes=None if inbox_ids is None else sorted(str(i) for i in inbox_ids),
            lifetime=3600,
        )


@dataclass
class Organization:
    """An organisation's key of every scope and everything it holds: the ids of each
    inbox's objects, and of its own, by the name of the path parameter that takes them."""

    id: UUID
    domain: str
    api: ApiClient
    signing: tuple[PrivateKey, str]
    """The key registered at /auth-keys that signs the organisation's tokens, and its kid."""
    own: dict[str, str] = field(default_factory=dict)
    inboxes: dict[str, dict[str, str]] = field(default_factory=dict)
    uploads: dict[str, str] = field(default_factory=dict)
    """Upload ids by who made them: `unbound`, `A`, `B` (a credential bound to that inbox)."""

    def ids(self, inbox: str) -> dict[str, str]:
        """The path parameters of `inbox`'s objects, and of the organisation's own."""
        return {**self.own, **self.inboxes[inbox]}

    def inbox_id(self, inbox: str) -> UUID:
        return UUID(self.inboxes[inbox]["inbox_id"])


@dataclass
class World:
    container: Container
    database_url: str
    mine: Organization
    theirs: Organization
    minted: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def bearer(
        self,
        kind: Credentials,
        organization: Organization,
        *,
        scopes: frozenset[Scope] | None = None,
        inbox_ids: frozenset[UUID] | None = None,
    ) -> ApiClient:
        """A client holding a credential of `kind` (made once, then kept)."""
        key = (kind.name, organization.id, scopes, inbox_ids)
        if key not in self.minted:
            self.minted[key] = kind.bearer(self, organization, scopes=scopes, inbox_ids=inbox_ids)
        return ApiClient(self.minted[key])

    def rows(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        """`statement` as the database's owner: beyond row-level security."""
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(statement.encode(), params).fetchall()


def _created(answer: Response, status: int = 201) -> dict[str, Any]:
    assert answer.status == status, answer.json()
    found: dict[str, Any] = answer.json()
    return found


def _organization(
    world_container: Container, database_url: str, name: str, domain: str
) -> Organization:
    org = organizations.create_organization(world_container.uow, name)
    key = api_keys.create_api_key(world_container.uow, world_container.clock, org.id, name="all")
    created = domains.create_domain(
        world_container.uow,
        world_container.verifier.identities,
        "us-east-1",
        org.id,
        domain,
        domains.DomainSettings(),
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE domains SET mx_verified = true WHERE id = %s", [created.id])
    verify_for_sending(database_url, domain)
    api = ApiClient(key.secret)
    signing = ec_key()
    registered = _created(
        api.post(
            "/auth-keys", {"kid": "agents", "algorithm": "ES256", "public_key": public_pem(signing)}
        )
    )
    own = {"domain_id": str(created.id), "auth_key_id": registered["id"]}
    return Organization(org.id, domain, api, (signing, "agents"), own=own)


def _furnish_inbox(world: World, org: Organization, name: str, n: int) -> None:
    """The inbox, its webhook endpoint, then its mail (so the endpoint gets a delivery)."""
    api = org.api
    local_part = "support" if name == "A" else "sales"
    inbox = _created(
        api.post("/inboxes", {"domain_id": org.own["domain_id"], "local_part": local_part})
    )
    hook = _created(api.post("/webhooks", {"url": HOOK, "inbox_ids": [inbox["id"]]}))
    address = f"{local_part}@{org.domain}"
    box = MailSink(world.container, world.container.blobs, world.database_url, org.id, inbox["id"])
    raw = MAIL.format(address=address, n=n).encode()
    receive_raw(box, raw, source_id=f"ses-{n}", envelope=(address,))
    [received] = api.get(f"/inboxes/{inbox['id']}/messages").json()["data"]
    received = api.get(f"/messages/{received['id']}").json()
    to = {"to": ["jane@customer.example"], "text": "Hi"}
    _created(api.post(f"/inboxes/{inbox['id']}/messages", {**to, "subject": "Hello"}), 202)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    _created(
        api.post(f"/inboxes/{inbox['id']}/messages", {**to, "subject": "Later", "send_at": later}),
        202,
    )
    draft = _created(api.post(f"/inboxes/{inbox['id']}/drafts", {"subject": "Plan"}))
    folder = _created(api.post(f"/inboxes/{inbox['id']}/folders", {"name": "Matrix"}))
    [delivery] = api.get(f"/webhooks/{hook['id']}/deliveries").json()["data"]
    org.inboxes[name] = {
        "inbox_id": inbox["id"],
        "thread_id": received["thread_id"],
        "message_id": received["id"],
        "attachment_id": received["attachments"][0]["id"],
        "draft_id": draft["id"],
        "folder_id": folder["id"],
        "webhook_id": hook["id"],
        "delivery_id": delivery["id"],
    }


def _uploaded(api: ApiClient) -> str:
    """A file uploaded (its bytes put where the answer said): only who may use it decides
    whether a send can attach it."""
    upload = _created(api.post("/attachments", {"filename": "r.pdf"}))
    key = urlsplit(upload["upload_url"]).path.lstrip("/").removeprefix(f"{BUCKET}/")
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=BUCKET, Key=key, Body=b"%PDF-1.4", ContentType=upload["content_type"]
    )
    return str(upload["id"])


def _furnish_organization(world: World, org: Organization, kind: Credentials) -> None:
    api = org.api
    org.uploads["unbound"] = _uploaded(api)
    for name in INBOXES:
        bound = world.bearer(kind, org, inbox_ids=frozenset({org.inbox_id(name)}))
        org.uploads[name] = _uploaded(bound)
    suppressed = _created(api.post("/suppressions", {"address": f"former@{org.domain}"}))
    spare = _created(api.post("/api-keys", {"name": "spare"}))
    org.own.update(
        {
            "address": suppressed["address"],
            "key_id": spare["id"],
            "dmarc_report_id": _dmarc_report(world, org),
        }
    )


def _dmarc_report(world: World, org: Organization) -> str:
    """A DMARC report of the organisation's domain: a failed one (a report mail with no
    file), which needs no reader."""
    box = MailSink(
        world.container, world.container.blobs, world.database_url, org.id, org.inbox_id("A")
    )
    address = f"dmarc-reports@{org.domain}"
    receive_raw(box, report_mail([], to=address), source_id=f"ses-{address}", envelope=(address,))
    [(found,)] = world.rows("SELECT id FROM dmarc_reports WHERE organization_id = %s", org.id)
    return str(found)


def build(container: Container, database_url: str, kind: Credentials) -> World:
    mine = _organization(container, database_url, "Acme", "example.com")
    theirs = _organization(container, database_url, "Globex", "example.net")
    world = World(container, database_url, mine, theirs)
    for n, (org, name) in enumerate(((o, i) for o in (mine, theirs) for i in INBOXES), 1):
        _furnish_inbox(world, org, name, n)
    for org in (mine, theirs):
        _furnish_organization(world, org, kind)
    return world


def forbidden(world: World, org: Organization, reach: str | None) -> set[str]:
    """Every id a credential of `org` reaching `reach` (an inbox, or None: every inbox) must
    never be shown: everything of the other organisation, and of `org` what belongs to its
    other inboxes, and the events that name no inbox of its own."""
    other = world.theirs if org is world.mine else world.mine
    found = _everything_of(world, other.id)
    if reach is None:
        return found
    mine = org.inbox_id(reach)
    for name in INBOXES:
        if name != reach:
            found |= _inbox_ids(world, org.inbox_id(name))
    found |= {
        str(i)
        for (i,) in world.rows(
            "SELECT id FROM events WHERE organization_id = %s "
            "AND (payload->>'inbox_id') IS DISTINCT FROM %s",
            org.id,
            str(mine),
        )
    }
    return found


_TENANT_ROWS = " UNION ALL ".join(
    f"SELECT id FROM {table} WHERE organization_id = %(o)s"  # noqa: S608 - the names below
    for table in (
        "domains",
        "inboxes",
        "threads",
        "messages",
        "folders",
        "attachments",
        "webhook_endpoints",
        "webhook_deliveries",
        "events",
        "uploads",
        "api_keys",
        "auth_keys",
        "dmarc_reports",
    )
)
"""The id of every row of an organisation that the API may show."""


def _everything_of(world: World, organization_id: UUID) -> set[str]:
    with psycopg.connect(world.database_url) as conn:
        rows = conn.execute(_TENANT_ROWS.encode(), {"o": organization_id}).fetchall()
    return {str(organization_id)} | {str(r[0]) for r in rows}


def _inbox_ids(world: World, inbox_id: UUID) -> set[str]:
    """An inbox's own rows: itself, its threads and messages, their attachments, the
    endpoints that name it and their deliveries, the uploads made by a caller bound to it."""
    statements = (
        "SELECT id FROM threads WHERE inbox_id = %(i)s",
        "SELECT id FROM messages WHERE inbox_id = %(i)s",
        "SELECT id FROM folders WHERE inbox_id = %(i)s",
        "SELECT a.id FROM attachments a JOIN messages m ON m.id = a.message_id "
        "WHERE m.inbox_id = %(i)s",
        "SELECT id FROM webhook_endpoints WHERE %(i)s = ANY (inbox_ids)",
        "SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e "
        "ON e.id = d.endpoint_id WHERE %(i)s = ANY (e.inbox_ids)",
        "SELECT id FROM uploads WHERE %(i)s = ANY (inbox_ids)",
    )
    found = {str(inbox_id)}
    with psycopg.connect(world.database_url) as conn:
        for statement in statements:
            rows = conn.execute(statement.encode(), {"i": inbox_id}).fetchall()
            found |= {str(r[0]) for r in rows}
    return found


@pytest.fixture(scope="module")
def access_world(
    pg_server: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The world, in a database of its own, with moto for S3, SQS and SES (as SES behaves:
    `ses_simulator`), the API function's container pointed at them, the rate limits out of
    the way and webhooks sealed with a key file, resolved from a table and published
    nowhere."""
    name = f"mailman_matrix_{uuid.uuid4().hex[:12]}"
    database_url = ensure_database(pg_server, name, template=template_database)
    place = tmp_path_factory.mktemp("matrix")
    ses_simulator.install(LocalZone(place / "zone.json"))
    key_file = place / "webhook-secrets.key"
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        _environment(patch, database_url)
        with function_container(dependencies.container, database_url, patch):
            use_webhook_fakes(patch, key_file)
            container = build_container(Settings(database_url=database_url))
            try:
                yield build(container, database_url, ApiKeyCredentials())
            finally:
                container.database.close()
    drop_database(pg_server, name)


def _environment(patch: pytest.MonkeyPatch, database_url: str) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "BUCKET_NAME": BUCKET,
        "RATE_LIMIT_PER_MINUTE": "100000",
        "ORGANIZATION_RATE_LIMIT_PER_MINUTE": "100000",
    }.items():
        patch.setenv(name, value)
    patch.delenv("AWS_ENDPOINT_URL", raising=False)
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    queue = boto3.client("sqs", region_name="us-east-1").create_queue(QueueName=QUEUE)
    patch.setenv("OUTBOUND_QUEUE_URL", queue["QueueUrl"])


def dump(answer: Response) -> str:
    """The answer's body as text, whatever its kind, to search for what it must not hold."""
    body = answer.result.body.decode("utf-8", "replace")
    try:
        return json.dumps(json.loads(body))
    except ValueError:
        return body
