"""`mailman`: operator tasks against `DATABASE_URL` (or the local platform's database)."""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import mimetypes
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import psycopg

from local import runtime, tail
from local.aws import BUCKET
from local.dns_zone import LocalZone
from local.importer import import_path
from local.state import LocalState
from local.webhook_receiver import Received, WebhookReceiver
from mailman.adapters.postgres.migrations import migrate
from mailman.composition import Container, build_container
from mailman.config import Settings
from mailman.domain.access import Scope
from mailman.domain.delivery_history import DeliveryEventView
from mailman.domain.errors import DomainError, NotFound, ValidationError
from mailman.domain.mailbox import MessageView, RecipientView, ThreadSummary
from mailman.domain.models import ApiKey, Inbox
from mailman.domain.names import normalize_domain_name
from mailman.domain.pagination import MAX_LIMIT, Keyed, Page, PageRequest
from mailman.domain.suppressions import SuppressionFilter, SuppressionReason, address_prefix
from mailman.domain.webhook_views import Delivery, WebhookEndpoint
from mailman.domain.webhooks import DeliveryFilter, DeliveryState
from mailman.services import (
    domains,
    inboxes,
    mailbox,
    mailbox_state,
    organizations,
    sending,
    suppressions,
)
from mailman.services import events as event_log
from mailman.services.auth import api_keys, auth_keys
from mailman.services.suppressions import SuppressionOutcome, SuppressionRequest
from mailman.services.webhooks import endpoints as webhook_endpoints
from mailman.services.webhooks import log as webhook_log
from mailman.services.webhooks.endpoints import EndpointRequest, Receivers


def _local_dir() -> Path:
    return runtime.local_dir()


def _existing_local_dir() -> Path:
    """The data folder, which must exist: a command never makes one."""
    return runtime.existing(_local_dir())


def _database_url() -> str:
    """`DATABASE_URL`, or the running local platform's database."""
    return os.environ.get("DATABASE_URL") or runtime.running_platform(_local_dir()).database_url


def _container() -> Container:
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        # The running local platform's stand-ins, where it says they are: its moto server
        # (bucket, queues, SES), its key file sealing webhook secrets; its receivers may be
        # on 127.0.0.1, and its mail addressed to `.test` names.
        platform = runtime.running_platform(_local_dir())
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": platform.aws_endpoint,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_REGION": platform.region,
                "AWS_DEFAULT_REGION": platform.region,
                "BUCKET_NAME": BUCKET,
                "OUTBOUND_QUEUE_URL": platform.outbound_queue_url,
                "WEBHOOK_KEY_FILE": platform.webhook_key_file,
                "WEBHOOK_ALLOW_PRIVATE": "true",
            }
        )
        runtime.allow_test_domains()
        database_url = platform.database_url
    return build_container(Settings(database_url=database_url))


def _uuid(value: str, field: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise ValidationError(f"{value!r} is not an id (a UUID)", field=field) from None


def _organization(container: Container, ref: str, field: str = "--org") -> UUID:
    """Resolve an organisation given as an id or as an exact organisation name."""
    try:
        organization_id = UUID(ref)
    except ValueError:
        matches = [o for o in organizations.list_organizations(container.uow) if o.name == ref]
        if len(matches) == 1:
            return matches[0].id
        raise NotFound(f"no single organisation named {ref!r}", field=field) from None
    try:
        return organizations.get_organization(container.uow, organization_id).id
    except NotFound:
        raise NotFound(f"no organisation with id {ref}", field=field) from None


def cmd_migrate(_: argparse.Namespace) -> None:
    applied = migrate(_database_url())
    print("\n".join(f"applied {name}" for name in applied) or "already up to date")


def cmd_orgs_create(args: argparse.Namespace) -> None:
    org = organizations.create_organization(_container().uow, args.name)
    print(f"{org.id}\t{org.name}")


def cmd_orgs_list(_: argparse.Namespace) -> None:
    for org in organizations.list_organizations(_container().uow):
        print(f"{org.id}\t{org.name}")


def cmd_orgs_set_limits(args: argparse.Namespace) -> None:
    container = _container()
    org = organizations.set_limits(
        container.uow,
        _organization(container, args.org, "ORG"),
        rate_limit_per_minute=args.rate_limit,
        max_api_keys=args.max_keys,
    )
    limits = org.limits(container.settings.organization_limits)
    print(
        f"{org.id}\t{org.name}\trate limit {limits.rate_limit_per_minute} a minute over all"
        f" its keys, live keys at most {limits.max_api_keys}"
    )


def cmd_orgs_delete(args: argparse.Namespace) -> None:
    container = _container()
    deleted = organizations.delete_organization(
        container.uow,
        container.clock,
        container.verifier.identities,
        container.verifier.receipt,
        _organization(container, args.org, "ORG"),
    )
    org = deleted.organization
    print(
        f"deleted {org.id}\t{org.name} ({deleted.revoked_keys} API keys revoked, "
        f"{deleted.deleted_domains} domains deleted)"
    )


def cmd_keys_create(args: argparse.Namespace) -> None:
    container = _container()
    created = api_keys.create_api_key(
        container.uow,
        container.clock,
        _organization(container, args.org),
        name=args.name,
        rate_limit_per_minute=args.rate_limit,
        defaults=container.settings.organization_limits,
        scopes=args.scope,
        inbox_ids=None if args.inbox is None else [_uuid(i, "--inbox") for i in args.inbox],
    )
    print(f"id      {created.key.id}")
    print(f"key     {created.secret}")
    print("        (shown this once: store it now)", file=sys.stderr)


def cmd_keys_list(args: argparse.Namespace) -> None:
    container = _container()
    org = _organization(container, args.org)
    page = PageRequest(limit=100)
    while True:
        listed = api_keys.list_api_keys(container.uow, org, page)
        for key in listed.items:
            state = "revoked" if key.revoked_at else "active"
            print(f"{key.id}\t{key.prefix}...\t{state}\t{key.name}\t{_reach(key)}")
        if listed.next_page_token is None:
            return
        page = PageRequest.parse(100, listed.next_page_token)


def _reach(key: ApiKey) -> str:
    """What a key may do, and where: `every scope` or its scopes; its inboxes if bound."""
    scopes = "every scope" if key.scopes is None else " ".join(sorted(key.scopes))
    if key.inbox_ids is None:
        return scopes
    return f"{scopes} (inboxes {' '.join(sorted(str(i) for i in key.inbox_ids))})"


def cmd_keys_revoke(args: argparse.Namespace) -> None:
    container = _container()
    org = _organization(container, args.org)
    api_keys.revoke_api_key(container.uow, container.clock, org, _uuid(args.id, "id"))
    print(f"revoked {args.id}")


def cmd_token_mint(args: argparse.Namespace) -> None:
    from local.tokens import TokenRequest, mint, parse_ttl

    try:
        organization_id = UUID(args.org)
    except ValueError:  # a name: the database knows which organisation it is
        organization_id = _organization(_container(), args.org)
    scopes = [name for given in args.scope or () for name in given.split()]
    if not scopes:
        print("mailman: the token carries no scope: every route will refuse it", file=sys.stderr)
    request = TokenRequest(
        organization_id=organization_id,
        kid=args.kid,
        subject=args.sub,
        audience=args.audience or Settings().token_audience,
        ttl=parse_ttl(args.ttl),
        scopes=scopes,
        inboxes=args.inbox or (),
    )
    print(mint(Path(args.key).read_bytes(), request))


def _public_key(path: str) -> str | dict[str, object]:
    """A public key file's content: a JWK object (JSON) or PEM text."""
    text = Path(path).read_text()
    if not text.lstrip().startswith("{"):
        return text
    neither = ValidationError(f"{path} is neither PEM nor a JWK object", field="--public-key")
    try:
        found = json.loads(text)
    except ValueError as exc:
        raise neither from exc
    if not isinstance(found, dict):
        raise neither
    return found


def _algorithm_of(public_key: str | dict[str, object]) -> str:
    """The algorithm a key signs with, told by its kind (ES256 where it cannot be told: the
    registration then says what is wrong with the key)."""
    if isinstance(public_key, dict):
        return "RS256" if public_key.get("kty") == "RSA" else "ES256"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        loaded = serialization.load_pem_public_key(public_key.encode())
    except (ValueError, TypeError):
        return "ES256"
    return "RS256" if isinstance(loaded, rsa.RSAPublicKey) else "ES256"


def cmd_auth_keys_register(args: argparse.Namespace) -> None:
    container = _container()
    public_key = _public_key(args.public_key)
    key = auth_keys.register_auth_key(
        container.uow,
        container.token_verifier,
        _organization(container, args.org),
        kid=args.kid,
        algorithm=args.algorithm or _algorithm_of(public_key),
        public_key=public_key,
    )
    print(f"id        {key.id}")
    print(f"kid       {key.kid}")
    print(f"algorithm {key.algorithm.value}")
    print(f"issuer    {key.issuer}")
    print(f"audience  {container.settings.token_audience}")


def cmd_auth_keys_list(args: argparse.Namespace) -> None:
    container = _container()
    org = _organization(container, args.org)
    page = PageRequest(limit=100)
    while True:
        listed = auth_keys.list_auth_keys(container.uow, org, page)
        for key in listed.items:
            state = "revoked" if key.revoked_at else "live"
            print(f"{key.id}\t{key.kid}\t{key.algorithm.value}\t{state}")
        if listed.next_page_token is None:
            return
        page = PageRequest.parse(100, listed.next_page_token)


def cmd_auth_keys_revoke(args: argparse.Namespace) -> None:
    container = _container()
    org = _organization(container, args.org)
    auth_keys.revoke_auth_key(container.uow, container.clock, org, _uuid(args.id, "id"))
    print(f"revoked {args.id}")


def _token_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    token = commands.add_parser(
        "token", help="customer-signed tokens (JWT) for local use and tests"
    ).add_subparsers(required=True)
    mint_cmd = token.add_parser(
        "mint", help="sign a token with a private key whose public key is registered; print it"
    )
    mint_cmd.add_argument("--key", required=True, help="the private key (PEM): EC P-256 or RSA")
    mint_cmd.add_argument("--kid", required=True, help="the kid its public key is registered as")
    mint_cmd.add_argument("--org", required=True, help="organisation id (the issuer) or name")
    mint_cmd.add_argument("--sub", default="mailman-cli", help="who acts (default: mailman-cli)")
    mint_cmd.add_argument(
        "--inbox", action="append", metavar="ID_OR_ADDRESS", help="bind to this inbox (repeatable)"
    )
    mint_cmd.add_argument(
        "--scope", action="append", metavar="SCOPE", help="grant this scope (repeatable)"
    )
    mint_cmd.add_argument("--ttl", default="1h", help="lifetime: 90s, 15m, 1h, 1d (default: 1h)")
    mint_cmd.add_argument("--audience", help="default: the deployment's (TOKEN_AUDIENCE)")
    mint_cmd.set_defaults(run=cmd_token_mint)

    keys = commands.add_parser(
        "auth-keys", help="the public keys that sign an organisation's tokens"
    ).add_subparsers(required=True)
    register = keys.add_parser("register", help="register a public key (PEM or JWK file)")
    register.add_argument("--org", required=True, help="organisation id or exact name")
    register.add_argument("--kid", required=True, help="the kid tokens will name it by")
    register.add_argument("--public-key", required=True, metavar="FILE", help="PEM or JWK")
    register.add_argument(
        "--algorithm", choices=["ES256", "RS256"], help="default: told by the key's kind"
    )
    register.set_defaults(run=cmd_auth_keys_register)
    list_cmd = keys.add_parser("list", help="an organisation's keys, revoked ones too")
    list_cmd.add_argument("--org", required=True, help="organisation id or exact name")
    list_cmd.set_defaults(run=cmd_auth_keys_list)
    revoke = keys.add_parser("revoke", help="revoke a key: its tokens are refused at once")
    revoke.add_argument("--org", required=True, help="organisation id or exact name")
    revoke.add_argument("id", help="the key's id")
    revoke.set_defaults(run=cmd_auth_keys_revoke)


def _recipient_line(r: RecipientView) -> str:
    at = r.status_at.isoformat() if r.status_at else ""
    fields = ["recipient", r.kind, r.address, r.status or "-", at]
    if r.bounce is not None:
        b = r.bounce
        fields += [
            str(part or "") for part in (b.type, b.sub_type, b.smtp_status, b.diagnostic_code)
        ]
    return "\t".join(fields).rstrip("\t")


def _event_line(e: DeliveryEventView) -> str:
    said = "; ".join(f"{k}={v}" for k, v in e.summary.items())
    return "\t".join(["event", e.occurred_at.isoformat(), e.type, e.recipient, said]).rstrip("\t")


def cmd_messages_delivery(args: argparse.Namespace) -> None:
    """A message's delivery: its status, each recipient's, then every event oldest first;
    one tab-separated line each, its first field saying which."""
    container = _container()
    org = _organization(container, args.org)
    message_id = _uuid(args.id, "MESSAGE")
    page = PageRequest(limit=100)
    while True:
        history = mailbox.delivery_history(container.uow, org, message_id, page)
        if page.after is None:
            print(f"message\t{history.message.id}\t{history.message.status or '-'}")
            for recipient in history.message.recipients:
                print(_recipient_line(recipient))
        for event in history.events.items:
            print(_event_line(event))
        if history.events.next_page_token is None:
            return
        page = PageRequest.parse(100, history.events.next_page_token)


def _since(value: str | None) -> datetime | None:
    """`--since`: an ISO 8601 date or time, UTC unless it names its zone."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"{value!r} is not an ISO 8601 date or time", field="--since"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def cmd_suppressions_list(args: argparse.Namespace) -> None:
    """The organisation's suppressed addresses, oldest first: address, reason, since when,
    and the message whose bounce or complaint suppressed it."""
    container = _container()
    org = _organization(container, args.org)
    which = SuppressionFilter(
        SuppressionReason(args.reason) if args.reason else None,
        address_prefix(args.prefix) if args.prefix else None,
        _since(args.since),
    )
    page = PageRequest(limit=100)
    while True:
        listed = suppressions.list_suppressions(container.uow, org, which, page)
        for entry in listed.items:
            source = entry.source_message_id or "-"
            print(f"{entry.address}\t{entry.reason}\t{entry.created_at.isoformat()}\t{source}")
        if listed.next_page_token is None:
            return
        page = PageRequest.parse(100, listed.next_page_token)


_SAID = {
    SuppressionOutcome.ADDED: "added",
    SuppressionOutcome.ALREADY_SUPPRESSED: "already suppressed",
    SuppressionOutcome.REMOVED: "removed",
    SuppressionOutcome.NOT_SUPPRESSED: "not suppressed",
}


def cmd_suppressions_add(args: argparse.Namespace) -> None:
    container = _container()
    org = _organization(container, args.org)
    reason = SuppressionReason(args.reason)
    results = suppressions.suppress_many(
        container.uow,
        org,
        [SuppressionRequest(a, reason, args.note) for a in args.addresses],
    )
    invalid = 0
    for result in results:
        if result.error is not None:
            invalid += 1
            print(f"invalid\t{result.address}\t{result.error.message}", file=sys.stderr)
        else:
            print(f"{_SAID[result.outcome]}\t{result.address}")
    if invalid:
        raise ValidationError(
            f"{invalid} of {len(results)} addresses are not valid", field="ADDRESS"
        )


def cmd_suppressions_remove(args: argparse.Namespace) -> None:
    container = _container()
    org = _organization(container, args.org)
    results = suppressions.unsuppress_many(container.uow, container.clock, org, args.addresses)
    for result in results:
        print(f"{_SAID[result.outcome]}\t{result.address}")
    missing = sum(r.outcome == SuppressionOutcome.NOT_SUPPRESSED for r in results)
    if missing:
        raise NotFound(
            f"{missing} of {len(results)} addresses were not suppressed", field="ADDRESS"
        )


def _zone() -> LocalZone:
    return LocalZone(_existing_local_dir() / "dns" / "zone.json")


def cmd_dns_publish(args: argparse.Namespace) -> None:
    domain = domains.find_domain_by_name(_container().uow, args.domain)
    published = _zone().publish(domain.name, [r.record for r in domain.records])
    for record in published:
        print(f"{record.name:<50} {record.type:<5} {record.data}")
    print(f"published {len(published)} records for {domain.name} in the local zone")


def cmd_dns_unpublish(args: argparse.Namespace) -> None:
    # The name `publish` used: a trailing dot, upper case or a Unicode name all reach it.
    name = normalize_domain_name(args.domain, field="domain")
    if not _zone().unpublish(name):
        raise NotFound(f"nothing is published under {name} in the local zone", field="domain")
    print(f"removed every record under {name} from the local zone")


def cmd_import(args: argparse.Namespace) -> None:
    path = Path(args.path)
    if not path.exists():
        raise ValidationError(f"{path} does not exist", field="PATH")
    container = _container()
    inbox = inboxes.find_inbox(container.uow, _uuid(args.inbox, "--inbox"))
    report = import_path(container, inbox, path, progress=not args.quiet)
    print(
        f"imported {report.stored}, already there {report.skipped}, "
        f"quarantined {report.quarantined} (of {report.seen}) into {inbox.address}"
    )


def _outbox_dir() -> Path:
    return _existing_local_dir() / "outbox"


def cmd_outbox(args: argparse.Namespace) -> None:
    """The local platform's sent mail, newest first: one line each, or one message whole."""
    files = sorted(_outbox_dir().glob("*.eml"), reverse=True)
    if args.show:
        found = [f for f in files if args.show in f.name]
        if not found:
            raise NotFound(f"no sent message matches {args.show}", field="--show")
        sys.stdout.write(found[0].read_bytes().decode("utf-8", "replace"))
        return
    for path in files[: args.limit]:
        headers = BytesHeaderParser(policy=default).parsebytes(path.read_bytes())
        ses_id = path.stem.partition("-")[2]
        print(f"{ses_id}  {headers['Date']}  {headers['From']} -> {headers['To']}")
        print(f"    {headers['Subject']}")


T = TypeVar("T", bound=Keyed)


def _every(fetch: Callable[[PageRequest], Page[T]]) -> Iterator[T]:
    """Every item of a listing, page after page."""
    page = PageRequest(limit=100)
    while True:
        listed = fetch(page)
        yield from listed.items
        if listed.next_page_token is None:
            return
        page = PageRequest.parse(100, listed.next_page_token)


def _inbox(container: Container, organization_id: UUID, ref: str, field: str) -> Inbox:
    """An inbox of the organisation, given as its id or its address."""
    try:
        inbox_id = UUID(ref)
    except ValueError:
        pass
    else:
        return inboxes.get_inbox(container.uow, organization_id, inbox_id)
    wanted = ref.strip().lower()
    fetch = functools.partial(inboxes.list_inboxes, container.uow, organization_id)
    for inbox in _every(fetch):
        if inbox.address.lower() == wanted:
            return inbox
    raise NotFound(f"the organisation has no inbox {ref}", field=field)


def cmd_inbox_list(args: argparse.Namespace) -> None:
    """The organisation's inboxes, oldest first: id, address, then its mail in the inbox
    (unread) and sent folders."""
    container = _container()
    org = _default_organization(container, args.org)
    fetch = functools.partial(inboxes.list_inboxes, container.uow, org)
    for inbox in _every(fetch):
        counts = {
            f.id: f for f in mailbox_state.list_folders(container.uow, org, inbox.id) if f.system
        }
        held, sent = counts["inbox"], counts["sent"]
        fields = [
            str(inbox.id),
            inbox.address,
            f"inbox {held.total} ({held.unread} unread)",
            f"sent {sent.total}",
            inbox.display_name or "",
        ]
        print("\t".join(fields).rstrip("\t"))


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if at else "-"


def thread_line(thread: ThreadSummary) -> str:
    """A thread as `mailman threads INBOX` lists it."""
    fields = [
        str(thread.id),
        _when(thread.last_message_at),
        f"{thread.message_count} message{'' if thread.message_count == 1 else 's'}"
        f" ({thread.unread_count} unread)",
        thread.subject or "(no subject)",
        ", ".join(thread.participants),
    ]
    return "\t".join(fields)


def message_lines(message: MessageView) -> list[str]:
    """A message as `mailman threads INBOX THREAD` shows it: a line of what it is, then its
    preview, indented."""
    to = ", ".join(r.address for r in message.recipients if r.kind in ("to", "cc")) or "-"
    state = message.status or ("quarantined" if message.quarantined else "received")
    fields = [
        str(message.id),
        _when(message.sent_at or message.received_at or message.created_at),
        message.direction,
        state,
        f"{message.from_address} -> {to}",
        message.subject or "(no subject)",
    ]
    lines = ["\t".join(fields)]
    if message.preview:
        lines.append(f"    {message.preview}")
    lines += [f"    attached {a.filename or 'attachment'}" for a in message.attachments]
    return lines


def cmd_threads(args: argparse.Namespace) -> None:
    """An inbox's threads, newest activity first; or, given a thread, its messages."""
    container = _container()
    org = _default_organization(container, args.org)
    inbox = _inbox(container, org, args.inbox, "INBOX")
    if args.thread is None:
        fetch = functools.partial(mailbox.list_threads, container.uow, org, inbox.id)
        for thread in itertools.islice(_every(fetch), args.limit):
            print(thread_line(thread))
        return
    view = mailbox.get_thread(container.uow, org, _uuid(args.thread, "THREAD"))
    if view.thread.inbox_id != inbox.id:
        raise NotFound(f"{inbox.address} has no thread {args.thread}", field="THREAD")
    print(thread_line(view.thread))
    for message in view.messages:
        print("\n".join(message_lines(message)))


def _text(args: argparse.Namespace) -> str | None:
    given: str | None = args.text
    if args.text_file is None:
        return given
    if args.text_file == "-":
        return sys.stdin.read()
    return _read_text(args.text_file, "--text-file")


def _read(path: str, field: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}", field=field) from None


def _read_text(path: str, field: str) -> str:
    try:
        return _read(path, field).decode()
    except UnicodeDecodeError:
        raise ValidationError(f"{path} is not UTF-8 text", field=field) from None


def _attachment(path: str) -> sending.AttachmentSpec:
    content_type, _ = mimetypes.guess_type(path)
    return sending.AttachmentSpec(
        filename=Path(path).name,
        content_type=content_type or "application/octet-stream",
        content=_read(path, "--attach"),
    )


def cmd_send(args: argparse.Namespace) -> None:
    """Send from one of the organisation's inboxes, through the sending service the API
    uses: queued, handed to SES by the outbound function, and (locally) in the outbox."""
    container = _container()
    org = _default_organization(container, args.org)
    inbox = _inbox(container, org, args.sender, "--from")
    compose = sending.Compose(
        to=tuple(args.to),
        cc=tuple(args.cc or ()),
        bcc=tuple(args.bcc or ()),
        subject=args.subject,
        text=_text(args),
        html=None if args.html_file is None else _read_text(args.html_file, "--html-file"),
        attachments=tuple(_attachment(path) for path in args.attach or ()),
    )
    message = sending.send(container.sending, org, inbox.id, compose).message
    print(f"{message.id}\t{message.status}\tthread {message.thread_id}\tfrom {inbox.address}")


def cmd_tail(args: argparse.Namespace) -> None:
    """The organisation's event log, one line per event as it is appended, until Ctrl-C."""
    container = _container()
    org = _default_organization(container, args.org)
    types = tuple(args.type or ())

    def read(after: str | None) -> event_log.EventPage:
        return event_log.read_events(container.uow, org, after=after, limit=MAX_LIMIT, types=types)

    since = _since(args.since)
    start = None
    if not (args.from_start or since):  # after the newest event: what is appended from now on
        start = event_log.latest_events(container.uow, org, 1).cursor
    said = "from the start" if args.from_start else f"since {since}" if since else "from now"
    print(f"following the event log of {org} {said}; Ctrl-C stops", file=sys.stderr, flush=True)
    until = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: until.set())
    try:
        tail.follow(read, lambda line: print(line, flush=True), until, after=start, since=since)
    except KeyboardInterrupt:
        return


LISTEN_DESCRIPTION = "mailman webhooks listen"
ORG_HELP = "organisation id or exact name (default: the local platform's, else the only one)"


def _default_organization(container: Container, ref: str | None) -> UUID:
    """`--org`; else the local platform's ready-made organisation; else the only one."""
    if ref is not None:
        return _organization(container, ref)
    state = _local_dir() / "state.json"
    if state.exists():
        seeded = LocalState(**json.loads(state.read_text()))
        return _organization(container, seeded.organization_id)
    found = organizations.list_organizations(container.uow)
    if len(found) == 1:
        return found[0].id
    raise ValidationError(
        f"name the organisation with --org (there are {len(found)})", field="--org"
    )


@dataclass(frozen=True)
class ListenOptions:
    port: int
    """0: any free port."""
    event_types: tuple[str, ...]
    """Empty: every type."""
    inbox_ids: tuple[UUID, ...]
    """Empty: every inbox."""


def delivery_line(received: Received) -> str:
    """One line per delivery: when, the answer, the type, the `webhook-id`, whether it
    verified, and what it says."""
    at = datetime.fromtimestamp(received.at, UTC).strftime("%H:%M:%S")
    verdict = {True: "verified", None: "unverified (no secret)"}.get(
        received.verified, f"NOT VERIFIED ({received.error})"
    )
    fields = [at, str(received.status), received.type or "-", received.webhook_id or "-", verdict]
    return "  ".join([*fields, received.summary()]).rstrip()


def listen(
    container: Container, organization_id: UUID, options: ListenOptions, until: threading.Event
) -> None:
    """Receive on 127.0.0.1 through an endpoint made for the purpose, printing every delivery,
    until `until` is set (or Ctrl-C); then delete the endpoint."""
    receiver = WebhookReceiver(
        port=options.port, on_receive=lambda r: print(delivery_line(r), flush=True)
    ).start()
    try:
        created = webhook_endpoints.create_endpoint(
            container.uow,
            container.secret_box,
            Receivers(container.host_resolver, container.settings.webhook_allow_private),
            organization_id,
            EndpointRequest(
                url=receiver.url,
                event_types=options.event_types,
                inbox_ids=options.inbox_ids,
                description=LISTEN_DESCRIPTION,
            ),
        )
        receiver.secrets = (created.secret,)
        endpoint = created.endpoint
        events = ", ".join(endpoint.event_types) or "all"
        print(f"listening on {receiver.url} as webhook {endpoint.id} (events: {events})")
        print("Ctrl-C stops and deletes the webhook.", flush=True)
        try:
            until.wait()
        finally:
            webhook_endpoints.delete_endpoint(
                container.uow, container.clock, organization_id, endpoint.id
            )
            print(f"deleted webhook {endpoint.id}", flush=True)
    finally:
        receiver.stop()


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def cmd_webhooks_listen(args: argparse.Namespace) -> None:
    container = _container()
    options = ListenOptions(
        port=args.port,
        event_types=_split(args.events),
        inbox_ids=tuple(_uuid(i, "--inbox") for i in args.inbox or ()),
    )
    organization_id = _default_organization(container, args.org)
    until = threading.Event()
    # `kill` (a terminal closing, a supervisor stopping it) deletes the webhook as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: until.set())
    try:
        listen(container, organization_id, options, until)
    except KeyboardInterrupt:
        return


def _endpoint_line(endpoint: WebhookEndpoint) -> str:
    state = "enabled" if endpoint.enabled else f"disabled ({endpoint.disabled_reason or '-'})"
    events = ",".join(endpoint.event_types) or "all"
    fields = [str(endpoint.id), endpoint.url, state, events, endpoint.description or ""]
    return "\t".join(fields).rstrip("\t")


def cmd_webhooks_list(args: argparse.Namespace) -> None:
    """The organisation's webhook endpoints, oldest first."""
    container = _container()
    org = _default_organization(container, args.org)
    page = PageRequest(limit=100)
    while True:
        listed = webhook_endpoints.list_endpoints(container.uow, org, page)
        for endpoint in listed.items:
            print(_endpoint_line(endpoint))
        if listed.next_page_token is None:
            return
        page = PageRequest.parse(100, listed.next_page_token)


def _delivery_lines(delivery: Delivery) -> list[str]:
    """The delivery, then each of its attempts, indented."""
    next_at = delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else "-"
    lines = [
        "\t".join(
            [
                str(delivery.id),
                delivery.event_type,
                delivery.status,
                f"{delivery.attempts} attempts",
                f"next {next_at}",
            ]
        )
    ]
    for attempt in delivery.attempt_log:
        answer = str(attempt.status_code) if attempt.status_code is not None else "-"
        said = attempt.error or ""
        lines.append(
            "\t".join(
                [
                    "  attempt",
                    attempt.attempted_at.isoformat(),
                    attempt.outcome,
                    answer,
                    f"{attempt.latency_ms} ms",
                    said,
                ]
            ).rstrip("\t")
        )
    return lines


def cmd_webhooks_deliveries(args: argparse.Namespace) -> None:
    """An endpoint's deliveries, newest first, each followed by its attempts."""
    container = _container()
    org = _default_organization(container, args.org)
    endpoint_id = _uuid(args.id, "WEBHOOK")
    which = DeliveryFilter(
        status=DeliveryState(args.status) if args.status else None,
        event_type=args.type,
        since=_since(args.since),
    )
    page = PageRequest(limit=100)
    while True:
        listed = webhook_log.list_deliveries(container.uow, org, endpoint_id, which, page)
        for delivery in listed.items:
            print("\n".join(_delivery_lines(delivery)))
        if listed.next_page_token is None:
            return
        page = PageRequest.parse(100, listed.next_page_token)


def _webhook_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    webhooks = commands.add_parser(
        "webhooks", help="webhook endpoints, their deliveries, and a local receiver"
    ).add_subparsers(required=True)
    listen_cmd = webhooks.add_parser(
        "listen",
        help="receive webhooks on 127.0.0.1 (local platform): verify and print each delivery;"
        " the endpoint made for it is deleted on Ctrl-C",
    )
    listen_cmd.add_argument("--port", type=int, default=0, help="default: any free port")
    listen_cmd.add_argument("--events", help="event types, comma-separated (default: all)")
    listen_cmd.add_argument(
        "--inbox", action="append", metavar="ID", help="only this inbox's events (repeatable)"
    )
    listen_cmd.add_argument("--org", help=ORG_HELP)
    listen_cmd.set_defaults(run=cmd_webhooks_listen)
    list_cmd = webhooks.add_parser("list", help="an organisation's webhook endpoints")
    list_cmd.add_argument("--org", help=ORG_HELP)
    list_cmd.set_defaults(run=cmd_webhooks_list)
    deliveries = webhooks.add_parser(
        "deliveries", help="a webhook's deliveries, newest first, with every attempt"
    )
    deliveries.add_argument("--org", help=ORG_HELP)
    deliveries.add_argument("--status", choices=[s.value for s in DeliveryState])
    deliveries.add_argument("--type", help="one event type")
    deliveries.add_argument("--since", help="created at or after this ISO 8601 date or time")
    deliveries.add_argument("id", metavar="WEBHOOK", help="the webhook endpoint's id")
    deliveries.set_defaults(run=cmd_webhooks_deliveries)


def _messages_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    messages = commands.add_parser("messages", help="messages").add_subparsers(required=True)
    delivery = messages.add_parser(
        "delivery",
        help="a sent message's delivery: its status, each recipient's, and every event SES "
        "reported, oldest first",
    )
    delivery.add_argument("--org", required=True, help="organisation id or exact name")
    delivery.add_argument("id", metavar="MESSAGE", help="the message's id")
    delivery.set_defaults(run=cmd_messages_delivery)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="mailman",
        description="Operator tasks. Uses DATABASE_URL, or else the local platform running for"
        " MAILMAN_LOCAL_DIR (default: the checkout's .local/), found by its platform.json.",
    )
    commands = root.add_subparsers(required=True, metavar="COMMAND")

    migrate_cmd = commands.add_parser("migrate", help="apply pending SQL migrations")
    migrate_cmd.set_defaults(run=cmd_migrate)

    orgs = commands.add_parser("orgs", help="organisations").add_subparsers(required=True)
    create_org = orgs.add_parser("create", help="create an organisation")
    create_org.add_argument("name")
    create_org.set_defaults(run=cmd_orgs_create)
    orgs.add_parser("list", help="list organisations").set_defaults(run=cmd_orgs_list)
    set_limits = orgs.add_parser(
        "set-limits", help="set an organisation's rate limit over all its keys, or its key cap"
    )
    set_limits.add_argument("org", metavar="ORG", help="organisation id or exact name")
    set_limits.add_argument(
        "--rate-limit", type=int, help="requests a minute over all the organisation's keys"
    )
    set_limits.add_argument("--max-keys", type=int, help="live API keys it may hold")
    set_limits.set_defaults(run=cmd_orgs_set_limits)
    delete_org = orgs.add_parser(
        "delete",
        help="delete an organisation (soft): its domains and inboxes, and every key it holds",
    )
    delete_org.add_argument("org", metavar="ORG", help="organisation id or exact name")
    delete_org.set_defaults(run=cmd_orgs_delete)

    _key_commands(commands)
    _token_commands(commands)
    _messages_commands(commands)
    _suppression_commands(commands)
    _webhook_commands(commands)

    importer = commands.add_parser(
        "import", help="import an mbox, a Maildir or a folder of .eml into an inbox"
    )
    importer.add_argument("--inbox", required=True, help="the inbox's id")
    importer.add_argument("--quiet", action="store_true", help="no progress bar")
    importer.add_argument("path", metavar="PATH")
    importer.set_defaults(run=cmd_import)

    dns = commands.add_parser(
        "dns", help="the local platform's DNS zone (what a DNS provider holds in production)"
    ).add_subparsers(required=True)
    publish = dns.add_parser("publish", help="publish the records a domain asked for")
    publish.add_argument("domain")
    publish.set_defaults(run=cmd_dns_publish)
    unpublish = dns.add_parser("unpublish", help="remove a domain's records")
    unpublish.add_argument("domain")
    unpublish.set_defaults(run=cmd_dns_unpublish)
    outbox = commands.add_parser(
        "outbox", help="what the local platform sent (SES played locally), newest first"
    )
    outbox.add_argument("--limit", type=int, default=20, help="how many to list")
    outbox.add_argument("--show", metavar="SES_ID", help="print one message whole")
    outbox.set_defaults(run=cmd_outbox)
    _mail_commands(commands)
    return root


def _count(value: str) -> int:
    """A whole number, 1 or more (argparse refuses anything else with its usage)."""
    if not value.isdecimal() or not value.isascii() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of 1 or more")
    return int(value)


def _mail_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    inbox = commands.add_parser("inbox", help="inboxes").add_subparsers(required=True)
    inbox_list = inbox.add_parser(
        "list", help="the organisation's inboxes: id, address, mail in the inbox and sent"
    )
    inbox_list.add_argument("--org", help=ORG_HELP)
    inbox_list.set_defaults(run=cmd_inbox_list)

    threads = commands.add_parser(
        "threads", help="an inbox's threads, newest first; or one thread's messages"
    )
    threads.add_argument("--org", help=ORG_HELP)
    threads.add_argument(
        "--limit", type=_count, default=50, help="how many threads at most (default 50)"
    )
    threads.add_argument("inbox", metavar="INBOX", help="the inbox's address or id")
    threads.add_argument("thread", metavar="THREAD", nargs="?", help="show this thread's messages")
    threads.set_defaults(run=cmd_threads)

    send = commands.add_parser(
        "send",
        help="send a message from an inbox (queued and sent as the API sends; locally it "
        "lands in the outbox)",
    )
    send.add_argument("--org", help=ORG_HELP)
    send.add_argument(
        "--from", dest="sender", required=True, metavar="INBOX", help="the inbox's address or id"
    )
    send.add_argument("--to", action="append", required=True, metavar="ADDRESS")
    send.add_argument("--cc", action="append", metavar="ADDRESS")
    send.add_argument("--bcc", action="append", metavar="ADDRESS")
    send.add_argument("--subject")
    text = send.add_mutually_exclusive_group()
    text.add_argument("--text", help="the plain-text body")
    text.add_argument(
        "--text-file", metavar="FILE", help="the plain-text body from FILE (-: stdin)"
    )
    send.add_argument("--html-file", metavar="FILE", help="an HTML body from FILE")
    send.add_argument("--attach", action="append", metavar="FILE", help="attach FILE (repeatable)")
    send.set_defaults(run=cmd_send)

    follow = commands.add_parser(
        "tail", help="follow the organisation's event log live, one line per event, until Ctrl-C"
    )
    follow.add_argument("--org", help=ORG_HELP)
    follow.add_argument("--type", action="append", help="only events of this type (repeatable)")
    start = follow.add_mutually_exclusive_group()
    start.add_argument("--since", help="begin with the events since this ISO 8601 date or time")
    start.add_argument("--from-start", action="store_true", help="begin with the first event")
    follow.set_defaults(run=cmd_tail)


def _key_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="API keys").add_subparsers(required=True)
    create_key = keys.add_parser("create", help="mint an API key (printed once)")
    create_key.add_argument("--org", required=True, help="organisation id or exact name")
    create_key.add_argument("--name", default="cli", help="what the key is for")
    create_key.add_argument(
        "--rate-limit", type=int, help="requests a minute for this key (at most the org's)"
    )
    create_key.add_argument(
        "--scope",
        action="append",
        choices=sorted(Scope),
        help="what the key may do (repeatable); every scope when none is given",
    )
    create_key.add_argument(
        "--inbox",
        action="append",
        metavar="ID",
        help="bind the key to this inbox (repeatable); every inbox when none is given",
    )
    create_key.set_defaults(run=cmd_keys_create)
    list_keys = keys.add_parser("list", help="list an organisation's keys")
    list_keys.add_argument("--org", required=True, help="organisation id or exact name")
    list_keys.set_defaults(run=cmd_keys_list)
    revoke_key = keys.add_parser("revoke", help="revoke a key")
    revoke_key.add_argument("--org", required=True, help="organisation id or exact name")
    revoke_key.add_argument("id", help="the key's id")
    revoke_key.set_defaults(run=cmd_keys_revoke)


def _suppression_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = commands.add_parser(
        "suppressions", help="an organisation's suppression list: addresses mail is not sent to"
    ).add_subparsers(required=True)
    list_cmd = listing.add_parser("list", help="list suppressed addresses, oldest first")
    list_cmd.add_argument("--org", required=True, help="organisation id or exact name")
    list_cmd.add_argument("--reason", choices=[r.value for r in SuppressionReason])
    list_cmd.add_argument("--prefix", help="addresses starting with this (any case)")
    list_cmd.add_argument("--since", help="suppressed at or after this ISO 8601 date or time")
    list_cmd.set_defaults(run=cmd_suppressions_list)
    add = listing.add_parser("add", help="suppress addresses")
    add.add_argument("--org", required=True, help="organisation id or exact name")
    add.add_argument(
        "--reason", choices=["manual", "unsubscribe"], default="manual", help="default: manual"
    )
    add.add_argument("--note", help="why, kept with each entry")
    add.add_argument("addresses", metavar="ADDRESS", nargs="+")
    add.set_defaults(run=cmd_suppressions_add)
    remove = listing.add_parser("remove", help="take addresses off the list")
    remove.add_argument("--org", required=True, help="organisation id or exact name")
    remove.add_argument("addresses", metavar="ADDRESS", nargs="+")
    remove.set_defaults(run=cmd_suppressions_remove)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except runtime.PlatformUnavailable as error:
        print(f"mailman: {error}", file=sys.stderr)
        return 1
    except psycopg.OperationalError as error:
        print(f"mailman: cannot reach the database: {error}".rstrip(), file=sys.stderr)
        return 1
    except DomainError as error:
        field = f" ({error.field})" if error.field else ""
        print(f"mailman: {error.message}{field}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # Read by something that stopped reading (`| head`): nothing more to say to it, and
        # nothing left to flush into the closed pipe at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
