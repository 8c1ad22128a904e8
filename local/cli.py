"""`mailman`: operator tasks against `DATABASE_URL` (or the local platform's database)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path
from uuid import UUID

from local.aws import BUCKET
from local.dns_zone import LocalZone
from local.importer import import_path
from mailman.adapters.postgres.migrations import migrate
from mailman.composition import Container, build_container
from mailman.config import Settings
from mailman.domain.delivery_history import DeliveryEventView
from mailman.domain.errors import DomainError, NotFound, ValidationError
from mailman.domain.mailbox import RecipientView
from mailman.domain.names import normalize_domain_name
from mailman.domain.pagination import PageRequest
from mailman.services import api_keys, domains, inboxes, mailbox, organizations


def _database_url() -> str:
    """`DATABASE_URL`, or the local platform's embedded database under `MAILMAN_LOCAL_DIR`."""
    given = os.environ.get("DATABASE_URL")
    if given:
        return given
    from local.postgres import local_database

    return local_database(Path(os.environ.get("MAILMAN_LOCAL_DIR", ".local")).resolve())


def _container() -> Container:
    if not os.environ.get("DATABASE_URL"):
        # The local platform's stand-ins: its moto server holds the bucket (make dev must run).
        port = os.environ.get("MAILMAN_AWS_PORT", "4566")
        for name, value in {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "BUCKET_NAME": BUCKET,
        }.items():
            os.environ.setdefault(name, value)
    return build_container(Settings(database_url=_database_url()))


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
            print(f"{key.id}\t{key.prefix}...\t{state}\t{key.name}")
        if listed.next_page_token is None:
            return
        page = PageRequest.parse(100, listed.next_page_token)


def cmd_keys_revoke(args: argparse.Namespace) -> None:
    container = _container()
    org = _organization(container, args.org)
    api_keys.revoke_api_key(container.uow, container.clock, org, _uuid(args.id, "id"))
    print(f"revoked {args.id}")


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


def _zone() -> LocalZone:
    local_dir = Path(os.environ.get("MAILMAN_LOCAL_DIR", ".local")).resolve()
    return LocalZone(local_dir / "dns" / "zone.json")


def cmd_dns_publish(args: argparse.Namespace) -> None:
    domain = domains.find_domain_by_name(_container().uow, args.domain)
    published = _zone().publish(domain.name, [r.record for r in domain.records])
    for record in published:
        print(f"{record.name:<50} {record.type:<5} {record.data}")
    print(f"published {len(published)} records for {domain.name} in the local zone")


def cmd_dns_unpublish(args: argparse.Namespace) -> None:
    # The name `publish` used: a trailing dot, upper case or a Unicode name all reach it.
    name = normalize_domain_name(args.domain, field="domain")
    _zone().unpublish(name)
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
    return Path(os.environ.get("MAILMAN_LOCAL_DIR", ".local")).resolve() / "outbox"


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
        description="Operator tasks. Uses DATABASE_URL, or the local platform's database.",
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

    keys = commands.add_parser("keys", help="API keys").add_subparsers(required=True)
    create_key = keys.add_parser("create", help="mint an API key (printed once)")
    create_key.add_argument("--org", required=True, help="organisation id or exact name")
    create_key.add_argument("--name", default="cli", help="what the key is for")
    create_key.add_argument(
        "--rate-limit", type=int, help="requests a minute for this key (at most the org's)"
    )
    create_key.set_defaults(run=cmd_keys_create)
    list_keys = keys.add_parser("list", help="list an organisation's keys")
    list_keys.add_argument("--org", required=True, help="organisation id or exact name")
    list_keys.set_defaults(run=cmd_keys_list)
    revoke_key = keys.add_parser("revoke", help="revoke a key")
    revoke_key.add_argument("--org", required=True, help="organisation id or exact name")
    revoke_key.add_argument("id", help="the key's id")
    revoke_key.set_defaults(run=cmd_keys_revoke)

    _messages_commands(commands)

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
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except DomainError as error:
        field = f" ({error.field})" if error.field else ""
        print(f"mailman: {error.message}{field}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
