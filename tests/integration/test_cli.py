"""The `mailman` operator command against a real PostgreSQL named by `DATABASE_URL`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import psycopg
import pytest

from local.cli import main
from local.dns_zone import LocalZone
from local.postgres import drop_database, ensure_database
from mailman.adapters.postgres.migrations import available
from mailman.composition import Container, build_container
from mailman.config import Settings
from mailman.domain.access import Scope
from mailman.domain.dns_records import DnsRecord, RecordPurpose
from mailman.domain.errors import Unauthorized
from mailman.services import domains, inboxes, organizations
from mailman.services.auth import api_keys

from .conftest import LocalAwsForTests


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def printed(self, label: str) -> str:
        """The value `mailman keys create` prints after `label` (`id`, `key`)."""
        match = re.search(rf"^{label}\s+(\S+)$", self.out, re.MULTILINE)
        assert match, f"no {label!r} line in:\n{self.out}"
        return match.group(1)


Mailman = Callable[..., Run]


@pytest.fixture
def mailman(capsys: pytest.CaptureFixture[str]) -> Mailman:
    """Runs `mailman ARGS...` in-process; answers its exit code and what it printed."""

    def run(*argv: str) -> Run:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh, migrated database, as `DATABASE_URL`."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


@pytest.fixture
def empty_database(pg_server: str) -> Iterator[str]:
    name = f"mailman_cli_empty_{uuid.uuid4().hex[:12]}"
    url = ensure_database(pg_server, name)
    yield url
    drop_database(pg_server, name)


@pytest.fixture
def services(db: str) -> Iterator[Container]:
    container = build_container(Settings(database_url=db))
    yield container
    container.database.close()


def create_org(mailman: Mailman, name: str) -> str:
    created = mailman("orgs", "create", name)
    assert created.code == 0, created.err
    org_id, _, printed_name = created.out.strip().partition("\t")
    assert printed_name == name
    return org_id


def api_key_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM api_keys").fetchone()
    assert row is not None
    count: int = row[0]
    return count


# -- migrate -------------------------------------------------------------------------------


def test_migrate_on_an_up_to_date_database_says_so(db: str, mailman: Mailman) -> None:
    result = mailman("migrate")

    assert result.code == 0
    assert result.out.strip() == "already up to date"


def test_migrate_on_an_empty_database_applies_every_migration(
    empty_database: str, monkeypatch: pytest.MonkeyPatch, mailman: Mailman
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database)

    result = mailman("migrate")

    assert result.code == 0, result.err
    applied = result.out.splitlines()
    assert applied[0] == "applied 0001_initial.sql"
    assert applied == [f"applied {migration.name}" for migration in available()]
    assert api_key_count(empty_database) == 0  # the tables exist now
    assert mailman("migrate").out.strip() == "already up to date"


# -- orgs ----------------------------------------------------------------------------------


def test_created_organisation_is_listed(db: str, mailman: Mailman) -> None:
    org_id = create_org(mailman, "Acme Inc")

    listed = mailman("orgs", "list")

    assert listed.code == 0
    assert f"{org_id}\tAcme Inc" in listed.out.splitlines()
    assert str(UUID(org_id)) == org_id


def test_deleting_an_organisation_by_name_revokes_its_keys_and_unlists_it(
    db: str, mailman: Mailman, services: Container
) -> None:
    org_id = create_org(mailman, "Acme Inc")
    other_id = create_org(mailman, "Globex")
    keys = [mailman("keys", "create", "--org", org_id).printed("key") for _ in range(2)]
    kept = mailman("keys", "create", "--org", other_id).printed("key")

    result = mailman("orgs", "delete", "Acme Inc")

    assert result.code == 0, result.err
    assert result.out.strip() == (
        f"deleted {org_id}\tAcme Inc (2 API keys revoked, 0 domains deleted)"
    )
    assert mailman("orgs", "list").out.splitlines() == [f"{other_id}\tGlobex"]
    for key in keys:
        with pytest.raises(Unauthorized):
            api_keys.authenticate(services.uow, services.clock, f"Bearer {key}")
    api_keys.authenticate(services.uow, services.clock, f"Bearer {kept}")
    with psycopg.connect(db) as conn:
        revoked = conn.execute(
            "SELECT count(*) FROM api_keys WHERE organization_id = %s AND revoked_at IS NOT NULL",
            [org_id],
        ).fetchone()
    assert revoked == (2,)


def test_a_deleted_organisation_cannot_be_deleted_again_or_given_keys(
    db: str, mailman: Mailman
) -> None:
    org_id = create_org(mailman, "Acme Inc")
    assert mailman("orgs", "delete", org_id).code == 0

    again = mailman("orgs", "delete", org_id)
    key = mailman("keys", "create", "--org", org_id)

    assert again.code == 1
    assert again.err.startswith(f"mailman: no organisation with id {org_id} (ORG)")
    assert key.code == 1
    assert api_key_count(db) == 0


def test_set_limits_caps_the_keys_an_organisation_may_mint(db: str, mailman: Mailman) -> None:
    org_id = create_org(mailman, "Acme Inc")

    result = mailman("orgs", "set-limits", "Acme Inc", "--rate-limit", "50", "--max-keys", "1")

    assert result.code == 0, result.err
    assert result.out.strip() == (
        f"{org_id}\tAcme Inc\trate limit 50 a minute over all its keys, live keys at most 1"
    )
    too_fast = mailman("keys", "create", "--org", org_id, "--rate-limit", "51")
    assert too_fast.code == 1
    assert "rate_limit_per_minute may be at most 50" in too_fast.err
    assert mailman("keys", "create", "--org", org_id, "--rate-limit", "50").code == 0
    one_too_many = mailman("keys", "create", "--org", org_id)
    assert one_too_many.code == 1
    assert "has reached its cap of live API keys (1)" in one_too_many.err
    assert api_key_count(db) == 1


def test_set_limits_changes_only_what_it_is_given(db: str, mailman: Mailman) -> None:
    create_org(mailman, "Acme Inc")
    mailman("orgs", "set-limits", "Acme Inc", "--max-keys", "5")

    result = mailman("orgs", "set-limits", "Acme Inc", "--rate-limit", "1200")

    assert result.out.rstrip().endswith(
        "\trate limit 1200 a minute over all its keys, live keys at most 5"
    )


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ((), "give a rate limit, a cap on live API keys, or both"),
        (("--rate-limit", "0"), "the rate limit must be between 1 and"),
        (("--max-keys", "0"), "the cap on live API keys must be between 1 and"),
    ],
    ids=["nothing", "rate", "keys"],
)
def test_set_limits_refuses_what_is_no_limit(
    db: str, mailman: Mailman, flags: tuple[str, ...], message: str
) -> None:
    create_org(mailman, "Acme Inc")

    result = mailman("orgs", "set-limits", "Acme Inc", *flags)

    assert result.code == 1
    assert result.err.startswith(f"mailman: {message}")


# -- keys ----------------------------------------------------------------------------------


def test_key_created_for_an_org_id_authenticates_as_that_org(
    db: str, mailman: Mailman, services: Container
) -> None:
    org_id = create_org(mailman, "Acme Inc")

    result = mailman("keys", "create", "--org", org_id, "--name", "ops")

    assert result.code == 0, result.err
    key = result.printed("key")
    assert key.startswith("mm_live_")
    assert "shown this once" in result.err
    principal = api_keys.authenticate(services.uow, services.clock, f"Bearer {key}")
    assert principal.organization_id == UUID(org_id)
    assert principal.caller.key_id == UUID(result.printed("id"))


def test_key_created_for_an_exact_org_name_authenticates_as_that_org(
    db: str, mailman: Mailman, services: Container
) -> None:
    create_org(mailman, "Globex")
    org_id = create_org(mailman, "Acme Inc")

    result = mailman("keys", "create", "--org", "Acme Inc")

    assert result.code == 0, result.err
    principal = api_keys.authenticate(
        services.uow, services.clock, f"Bearer {result.printed('key')}"
    )
    assert principal.organization_id == UUID(org_id)


def test_key_created_with_a_rate_limit_keeps_it(
    db: str, mailman: Mailman, services: Container
) -> None:
    org_id = create_org(mailman, "Acme Inc")

    result = mailman("keys", "create", "--org", org_id, "--rate-limit", "250")

    assert result.code == 0, result.err
    principal = api_keys.authenticate(
        services.uow, services.clock, f"Bearer {result.printed('key')}"
    )
    assert principal.bucket.limit == 250  # the key's bucket: its own rate, below its organisation's


def test_keys_list_shows_prefix_and_state_but_never_the_key(db: str, mailman: Mailman) -> None:
    org_id = create_org(mailman, "Acme Inc")
    created = mailman("keys", "create", "--org", org_id, "--name", "ops")
    key_id, key = created.printed("id"), created.printed("key")

    listed = mailman("keys", "list", "--org", "Acme Inc")

    assert listed.code == 0, listed.err
    assert key not in listed.out
    [row] = listed.out.splitlines()
    printed_id, prefix, state, name, reach = row.split("\t")
    assert (printed_id, state, name, reach) == (key_id, "active", "ops", "every scope")
    assert prefix.endswith("...")
    assert key.startswith(prefix.removesuffix("..."))


def test_a_key_created_with_scopes_and_inboxes_acts_with_no_more(
    mailman: Mailman, aws: LocalAwsForTests, services: Container
) -> None:
    org_id = create_org(mailman, "Acme Inc")
    domain = domains.create_domain(
        services.uow,
        services.verifier.identities,
        "us-east-1",
        UUID(org_id),
        "acme.example",
        domains.DomainSettings(),
    )
    sales = inboxes.create_inbox(services.uow, UUID(org_id), domain_id=domain.id, local_part="s")
    scopes = ("--scope", "messages:send", "--scope", "messages:read")

    created = mailman("keys", "create", "--org", org_id, *scopes, "--inbox", str(sales.id))
    listed = mailman("keys", "list", "--org", org_id)

    assert created.code == 0, created.err
    key = created.printed("key")
    caller = api_keys.authenticate(services.uow, services.clock, f"Bearer {key}").caller
    assert caller.scopes == {Scope.MESSAGES_READ, Scope.MESSAGES_SEND}
    assert caller.inbox_ids == {sales.id}
    assert listed.out.split("\t")[-1].strip() == (
        f"messages:read messages:send (inboxes {sales.id})"
    )


def test_a_key_for_an_unknown_scope_or_inbox_is_refused(db: str, mailman: Mailman) -> None:
    org_id = create_org(mailman, "Acme Inc")

    unknown_inbox = mailman("keys", "create", "--org", org_id, "--inbox", str(uuid.uuid4()))
    not_an_id = mailman("keys", "create", "--org", org_id, "--inbox", "support")
    with pytest.raises(SystemExit) as unknown_scope:
        mailman("keys", "create", "--org", org_id, "--scope", "mail:everything")

    assert unknown_inbox.code == 1
    assert "no such inbox" in unknown_inbox.err
    assert "(inbox_ids)" in unknown_inbox.err
    assert not_an_id.code == 1
    assert "(--inbox)" in not_an_id.err
    assert unknown_scope.value.code == 2
    assert api_key_count(db) == 0


def test_revoked_key_no_longer_authenticates(
    db: str, mailman: Mailman, services: Container
) -> None:
    org_id = create_org(mailman, "Acme Inc")
    created = mailman("keys", "create", "--org", org_id)
    key_id, key = created.printed("id"), created.printed("key")
    api_keys.authenticate(services.uow, services.clock, f"Bearer {key}")  # works until revoked

    revoked = mailman("keys", "revoke", "--org", org_id, key_id)

    assert revoked.code == 0, revoked.err
    assert revoked.out.strip() == f"revoked {key_id}"
    with pytest.raises(Unauthorized):
        api_keys.authenticate(services.uow, services.clock, f"Bearer {key}")
    assert "\trevoked\t" in mailman("keys", "list", "--org", org_id).out


@pytest.mark.parametrize(
    ("org", "message"),
    [
        ("No Such Org", "no single organisation named 'No Such Org'"),
        (str(uuid.UUID(int=1)), "no organisation with id"),
    ],
    ids=["name", "id"],
)
def test_key_for_an_unknown_org_fails_with_a_message_and_creates_nothing(
    db: str, mailman: Mailman, org: str, message: str
) -> None:
    create_org(mailman, "Acme Inc")

    result = mailman("keys", "create", "--org", org)

    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith(f"mailman: {message}")
    assert "Traceback" not in result.err
    assert api_key_count(db) == 0


def test_key_for_an_ambiguous_org_name_fails(db: str, mailman: Mailman) -> None:
    create_org(mailman, "Acme Inc")
    create_org(mailman, "Acme Inc")

    result = mailman("keys", "create", "--org", "Acme Inc")

    assert result.code == 1
    assert "no single organisation named 'Acme Inc'" in result.err
    assert api_key_count(db) == 0


# -- dns -----------------------------------------------------------------------------------


def _records(domain: str) -> list[DnsRecord]:
    return [
        DnsRecord(RecordPurpose.RECEIVING_MX, "MX", domain, "inbound-smtp.local", 10),
        DnsRecord(RecordPurpose.DMARC, "TXT", f"_dmarc.{domain}", "v=DMARC1; p=none"),
    ]


@pytest.mark.parametrize("given", ["acme.example.", "ACME.Example", "Acme.EXAMPLE."])
def test_dns_unpublish_names_the_domain_as_publish_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mailman: Mailman, given: str
) -> None:
    monkeypatch.setenv("MAILMAN_LOCAL_DIR", str(tmp_path))
    zone = LocalZone(tmp_path / "dns" / "zone.json")
    zone.publish("acme.example", _records("acme.example"))
    kept = zone.publish("globex.example", _records("globex.example"))

    result = mailman("dns", "unpublish", given)

    assert result.code == 0, result.err
    assert result.out.strip() == "removed every record under acme.example from the local zone"
    assert zone.records() == kept


def test_dns_unpublish_of_something_not_a_domain_fails_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mailman: Mailman
) -> None:
    monkeypatch.setenv("MAILMAN_LOCAL_DIR", str(tmp_path))

    result = mailman("dns", "unpublish", "localhost")

    assert result.code == 1
    assert result.err.startswith("mailman: domain name needs at least two labels (domain)")


def test_dns_publish_of_a_name_claimed_twice_publishes_the_verified_claim_else_the_newest(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mailman: Mailman,
    aws: LocalAwsForTests,
    services: Container,
    db: str,
) -> None:
    monkeypatch.setenv("MAILMAN_LOCAL_DIR", str(tmp_path))
    older, newer = (
        domains.create_domain(
            services.uow,
            services.verifier.identities,
            "us-east-1",
            organizations.create_organization(services.uow, name).id,
            "acme.example",
            domains.DomainSettings(),
        )
        for name in ("Acme", "Globex")
    )

    before = mailman("dns", "publish", "acme.example")
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE domains SET status = 'verified' WHERE id = %s", [older.id])
    after = mailman("dns", "publish", "acme.example")

    assert before.code == after.code == 0
    assert f"mailman-verification={newer.verification_token}" in before.out
    assert f"mailman-verification={older.verification_token}" in after.out
    assert f"mailman-verification={newer.verification_token}" not in after.out


def test_deleting_an_organisation_deletes_its_domains_and_frees_their_names(
    mailman: Mailman, aws: LocalAwsForTests, services: Container, db: str
) -> None:
    org_id = create_org(mailman, "Acme Inc")
    domain = domains.create_domain(
        services.uow,
        services.verifier.identities,
        "us-east-1",
        UUID(org_id),
        "acme.example",
        domains.DomainSettings(),
    )
    inboxes.create_inbox(services.uow, UUID(org_id), domain_id=domain.id, local_part="sales")

    result = mailman("orgs", "delete", org_id)

    assert result.code == 0, result.err
    assert result.out.strip().endswith("(0 API keys revoked, 1 domains deleted)")
    with psycopg.connect(db) as conn:
        live = conn.execute(
            "SELECT (SELECT count(*) FROM domains WHERE deleted_at IS NULL), "
            "(SELECT count(*) FROM inboxes WHERE deleted_at IS NULL)"
        ).fetchone()
    assert live == (0, 0)
    assert aws.sesv2().list_email_identities()["EmailIdentities"] == []
    other = organizations.create_organization(services.uow, "Globex")
    domains.create_domain(
        services.uow,
        services.verifier.identities,
        "us-east-1",
        other.id,
        "acme.example",
        domains.DomainSettings(),
    )


# -- suppressions --------------------------------------------------------------------------


def test_suppressions_added_are_listed_and_removed(db: str, mailman: Mailman) -> None:
    org_id = create_org(mailman, "Acme Inc")

    added = mailman(
        "suppressions",
        "add",
        "--org",
        "Acme Inc",
        "--reason",
        "unsubscribe",
        "--note",
        "asked by phone",
        "Jane@Customer.example",
        "bob@customer.example",
    )
    again = mailman("suppressions", "add", "--org", org_id, "jane@customer.example")
    listed = mailman("suppressions", "list", "--org", org_id)
    removed = mailman("suppressions", "remove", "--org", org_id, "JANE@customer.example")
    after = mailman("suppressions", "list", "--org", org_id)

    assert added.code == 0, added.err
    assert added.out.splitlines() == [
        "added\tjane@customer.example",
        "added\tbob@customer.example",
    ]
    assert again.out.strip() == "already suppressed\tjane@customer.example"
    rows = [line.split("\t") for line in listed.out.splitlines()]
    assert sorted((r[0], r[1], r[3]) for r in rows) == [
        ("bob@customer.example", "unsubscribe", "-"),
        ("jane@customer.example", "unsubscribe", "-"),
    ]
    assert (removed.code, removed.out.strip()) == (0, "removed\tjane@customer.example")
    assert [line.split("\t")[0] for line in after.out.splitlines()] == ["bob@customer.example"]
    with psycopg.connect(db) as conn:
        notes = conn.execute(
            "SELECT DISTINCT details->>'note' FROM suppressed_addresses"
        ).fetchall()
    assert notes == [("asked by phone",)]


def test_suppressions_list_filters_by_reason_prefix_and_since(db: str, mailman: Mailman) -> None:
    org_id = create_org(mailman, "Acme Inc")
    mailman("suppressions", "add", "--org", org_id, "ann@customer.example")
    mailman("suppressions", "add", "--org", org_id, "--reason", "unsubscribe", "bob@x.example")

    by_reason = mailman("suppressions", "list", "--org", org_id, "--reason", "unsubscribe")
    by_prefix = mailman("suppressions", "list", "--org", org_id, "--prefix", "ANN")
    later = mailman("suppressions", "list", "--org", org_id, "--since", "2999-01-01")
    bad = mailman("suppressions", "list", "--org", org_id, "--since", "last week")

    assert [line.split("\t")[0] for line in by_reason.out.splitlines()] == ["bob@x.example"]
    assert [line.split("\t")[0] for line in by_prefix.out.splitlines()] == ["ann@customer.example"]
    assert (later.code, later.out) == (0, "")
    assert bad.code == 1
    assert bad.err.startswith("mailman: 'last week' is not an ISO 8601 date or time (--since)")


def test_suppressions_add_reports_invalid_addresses_and_adds_the_rest(
    db: str, mailman: Mailman
) -> None:
    org_id = create_org(mailman, "Acme Inc")

    result = mailman("suppressions", "add", "--org", org_id, "nonsense", "ann@customer.example")

    assert result.code == 1
    assert result.out.strip() == "added\tann@customer.example"
    assert result.err.startswith("invalid\tnonsense\t")
    assert "mailman: 1 of 2 addresses are not valid (ADDRESS)" in result.err
    listed = mailman("suppressions", "list", "--org", org_id)
    assert [line.split("\t")[0] for line in listed.out.splitlines()] == ["ann@customer.example"]


def test_suppressions_remove_says_which_were_not_suppressed(db: str, mailman: Mailman) -> None:
    org_id = create_org(mailman, "Acme Inc")
    mailman("suppressions", "add", "--org", org_id, "ann@customer.example")

    result = mailman(
        "suppressions", "remove", "--org", org_id, "ann@customer.example", "nobody@x.example"
    )

    assert result.code == 1
    assert result.out.splitlines() == [
        "removed\tann@customer.example",
        "not suppressed\tnobody@x.example",
    ]
    assert "mailman: 1 of 2 addresses were not suppressed (ADDRESS)" in result.err


def test_one_organisations_suppressions_are_not_listed_for_another(
    db: str, mailman: Mailman
) -> None:
    acme = create_org(mailman, "Acme Inc")
    globex = create_org(mailman, "Globex")
    mailman("suppressions", "add", "--org", acme, "ann@customer.example")

    listed = mailman("suppressions", "list", "--org", globex)
    removed = mailman("suppressions", "remove", "--org", globex, "ann@customer.example")

    assert (listed.code, listed.out) == (0, "")
    assert removed.code == 1
    assert mailman("suppressions", "list", "--org", acme).out.startswith("ann@customer.example")


# -- the installed command -----------------------------------------------------------------


def test_installed_console_script_prints_its_help() -> None:
    script = Path(sys.executable).parent / "mailman"
    assert script.is_file(), f"{script} is not installed (pip install -e .)"

    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: mailman")
    for command in ("migrate", "orgs", "keys", "messages", "suppressions"):
        assert command in result.stdout
    orgs = subprocess.run(
        [str(script), "orgs", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    for command in ("create", "list", "set-limits", "delete"):
        assert command in orgs.stdout


def test_revoking_an_id_that_is_not_a_uuid_fails_with_a_message(db: str, mailman: Mailman) -> None:
    org = create_org(mailman, "Acme Inc")

    result = mailman("keys", "revoke", "--org", org, "not-a-uuid")

    assert result.code == 1
    assert result.err.startswith("mailman: 'not-a-uuid' is not an id (a UUID) (id)")
    assert "Traceback" not in result.err


# -- messages ------------------------------------------------------------------------------


def _sent_message(services: Container, db: str, org_id: str) -> str:
    """An outbound message to Jane (delivered) and Bob (bounced), with its events: a send
    for each, Jane's delivery, Bob's bounce, and 100 opens by Jane, as telemetry stores them."""
    domain = domains.create_domain(
        services.uow,
        services.verifier.identities,
        "us-east-1",
        UUID(org_id),
        "acme.example",
        domains.DomainSettings(),
    )
    inbox = inboxes.create_inbox(services.uow, UUID(org_id), domain_id=domain.id, local_part="hi")
    at = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    bounce = {
        "bounce_type": "Permanent",
        "bounce_sub_type": "General",
        "smtp_status": "5.1.1",
        "ses": {"bounceType": "Permanent", "bouncedRecipients": [{"status": "5.1.1"}]},
    }
    with psycopg.connect(db, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO messages (organization_id, inbox_id, message_id, direction, status, "
            "from_address) VALUES (%s, %s, '<m@acme.example>', 'outbound', "
            "'partially_delivered', 'hi@acme.example') RETURNING id",
            [org_id, inbox.id],
        ).fetchone()
        assert row is not None
        message_id = str(row[0])
        conn.execute(
            "INSERT INTO message_recipients (organization_id, message_id, kind, address, "
            "position, status, status_at, bounce_type, bounce_sub_type, smtp_status) VALUES "
            "(%(org)s, %(m)s, 'to', 'jane@a.example', 0, 'delivered', %(at)s, NULL, NULL, NULL), "
            "(%(org)s, %(m)s, 'cc', 'bob@b.example', 1, 'bounced', %(at)s, 'Permanent', "
            "'General', '5.1.1')",
            {"org": org_id, "m": message_id, "at": at},
        )
        conn.execute(
            "INSERT INTO delivery_events (organization_id, message_id, recipient, event_type, "
            "source_event_id, occurred_at, details) "
            "SELECT %(org)s::uuid, %(m)s::uuid, r, t, gen_random_uuid()::text, "
            "%(at)s + s * interval '1s', d::jsonb FROM (VALUES "
            "('jane@a.example', 'send', 0, '{}'), "
            "('bob@b.example', 'send', 0, '{}'), "
            "('jane@a.example', 'delivery', 1, '{\"ses\": {\"smtpResponse\": \"250 OK\"}}'), "
            "('bob@b.example', 'bounce', 2, %(bounce)s)) v(r, t, s, d) "
            "UNION ALL SELECT %(org)s::uuid, %(m)s::uuid, 'jane@a.example', 'open', "
            "gen_random_uuid()::text, %(at)s + interval '1h' + g * interval '1s', '{}' "
            "FROM generate_series(1, 100) g",
            {"org": org_id, "m": message_id, "at": at, "bounce": json.dumps(bounce)},
        )
    return message_id


def test_messages_delivery_prints_the_recipients_then_every_event_oldest_first(
    mailman: Mailman, aws: LocalAwsForTests, services: Container, db: str
) -> None:
    org_id = create_org(mailman, "Acme Inc")
    message_id = _sent_message(services, db, org_id)

    result = mailman("messages", "delivery", "--org", "Acme Inc", message_id)

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[:3] == [
        f"message\t{message_id}\tpartially_delivered",
        "recipient\tto\tjane@a.example\tdelivered\t2026-12-07T10:00:00+00:00",
        "recipient\tcc\tbob@b.example\tbounced\t2026-12-07T10:00:00+00:00"
        "\tPermanent\tGeneral\t5.1.1",
    ]
    events = [line.split("\t") for line in lines[3:]]
    assert len(events) == 104
    assert sorted(e[2:4] for e in events[:2]) == [
        ["send", "bob@b.example"],
        ["send", "jane@a.example"],
    ]
    assert events[2] == [
        "event",
        "2026-12-07T10:00:01+00:00",
        "delivery",
        "jane@a.example",
        "smtp_response=250 OK",
    ]
    assert events[3][2:] == [
        "bounce",
        "bob@b.example",
        "bounce_type=Permanent; bounce_sub_type=General; smtp_status=5.1.1",
    ]
    assert [e[1] for e in events] == sorted(e[1] for e in events)
    assert {e[2] for e in events[4:]} == {"open"}


def test_messages_delivery_of_another_organisations_message_fails_with_a_message(
    mailman: Mailman, aws: LocalAwsForTests, services: Container, db: str
) -> None:
    message_id = _sent_message(services, db, create_org(mailman, "Acme Inc"))
    create_org(mailman, "Globex")

    result = mailman("messages", "delivery", "--org", "Globex", message_id)

    assert result.code == 1
    assert result.out == ""
    assert result.err.strip() == "mailman: no such message (message_id)"


def test_messages_delivery_of_something_not_a_uuid_fails_with_a_message(
    db: str, mailman: Mailman
) -> None:
    org = create_org(mailman, "Acme Inc")

    result = mailman("messages", "delivery", "--org", org, "last-week")

    assert result.code == 1
    assert "(MESSAGE)" in result.err


def test_output_read_only_in_part_ends_quietly(tmp_path: Path) -> None:
    """`mailman outbox | head -1`: the reader stops, the command stops, no traceback."""
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    for n in range(2000):
        (outbox / f"2026-12-07T00{n:05d}-ses{n}.eml").write_bytes(
            f"From: a@example.com\r\nTo: b@example.com\r\nSubject: {'x' * 200}\r\n\r\n".encode()
        )
    script = Path(sys.executable).parent / "mailman"
    listing = subprocess.Popen(
        [str(script), "outbox", "--limit", "2000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "MAILMAN_LOCAL_DIR": str(tmp_path)},
    )
    assert listing.stdout is not None
    assert listing.stderr is not None
    first = listing.stdout.readline()
    listing.stdout.close()
    errors = listing.stderr.read().decode()
    listing.wait(timeout=60)

    assert b"a@example.com -> b@example.com" in first
    assert "Traceback" not in errors
    assert listing.returncode == 0
