"""The event catalogue holds every type the code appends, each example validates against its
schema, and what the producers really append validates against it too."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import jsonschema
import pytest
from publicsuffixlist import PublicSuffixList

from mailman.domain.delivery import BounceType, SesEventType
from mailman.domain.dns_records import RecordCheck, RecordStatus, required_records
from mailman.domain.event_catalogue import (
    CATALOGUE,
    EVENT_TYPES,
    EventType,
    entry,
    unknown_types,
)
from mailman.domain.inbound import InboundMail
from mailman.domain.models import Domain, DomainRecordState, DomainStatus
from mailman.domain.reputation import BrakeSettings, DeliveryCounts, HourlyCounts, hour_of
from mailman.domain.verification import SesIdentity, assess, defeated
from mailman.services import mailbox_trash, reputation, sending
from mailman.services.receiving import receive
from mailman.services.sending import DeliveryJob, Outbound, deliver
from mailman.services.suppressions import SuppressionRequest, suppress

from ..dmarc_mail import gzipped, report_mail, report_xml
from ..mail import make_mail
from ..ses_events import handed_off, record, ses_event
from .world import World

ROOT = Path(__file__).parents[2]
SOURCES = [ROOT / "shared" / "mailman", ROOT / "functions", ROOT / "local"]
RESOURCES = (
    "message",
    "domain",
    "webhook",
    "thread",
    "inbox",
    "draft",
    "attachment",
    "organization",
    "api_key",
    "suppression",
    "event",
)
"""What an event type may be about: a string `<resource>.<what>` in the code is one."""
TYPE_LITERAL = re.compile(rf"^(?:{'|'.join(RESOURCES)})\.[a-z][a-z_]*$")
TOP_LEVEL_DOMAINS = PublicSuffixList(accept_unknown=False)


FILE_SUFFIXES = frozenset({"html", "css", "js", "json", "txt"})
"""A name ending so is a file's (the local console's `inbox.html` template)."""


def _event_type_like(value: str) -> bool:
    """Shaped like an event type, and neither a domain name (`inbox.ru` is a mail provider)
    nor a file's name."""
    suffix = value.rsplit(".", 1)[-1]
    return (
        bool(TYPE_LITERAL.match(value))
        and not TOP_LEVEL_DOMAINS.is_public(suffix)
        and suffix not in FILE_SUFFIXES
    )


def _declared_names(model: type[Any]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def _holds(event_type: str, payload: dict[str, Any]) -> None:
    """`payload` is what the catalogue says `event_type` carries: no field it does not
    declare, and valid by both its model and its JSON Schema."""
    found = entry(event_type)
    assert set(payload) <= _declared_names(found.payload), (event_type, payload)
    found.payload.model_validate(payload)
    jsonschema.validate(payload, found.schema())


# -- the catalogue itself -------------------------------------------------------------------


@pytest.mark.parametrize("found", CATALOGUE, ids=lambda e: e.name)
def test_each_example_validates_against_its_schema(found: EventType) -> None:
    _holds(found.name, dict(found.example))


@pytest.mark.parametrize("found", CATALOGUE, ids=lambda e: e.name)
def test_each_entry_says_when_it_is_appended_in_one_sentence(found: EventType) -> None:
    assert found.appended.endswith(".")
    assert found.appended.count(". ") == 0


def test_a_schema_refuses_a_payload_missing_a_required_field() -> None:
    example = dict(entry("message.sent").example)
    del example["ses_message_id"]

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(example, entry("message.sent").schema())


def test_names_are_unique_and_are_the_event_types() -> None:
    names = [e.name for e in CATALOGUE]

    assert len(names) == len(set(names))
    assert frozenset(names) == EVENT_TYPES


def test_the_webhook_types_are_in_it() -> None:
    assert {
        "webhook.test",
        "webhook.delivery_exhausted",
        "webhook.endpoint_disabled",
    } <= EVENT_TYPES
    assert set(entry("webhook.endpoint_disabled").schema()["properties"]) == {
        "endpoint_id",
        "url",
        "reason",
        "failing_since",
    }


def test_an_unknown_name_has_no_entry() -> None:
    with pytest.raises(KeyError, match=r"message\.exploded"):
        entry("message.exploded")


def test_unknown_types_names_each_unknown_once_in_order() -> None:
    given = ["message.sent", "nope", "message.sent", "Message.Sent", "nope", ""]

    assert unknown_types(given) == ["nope", "Message.Sent", ""]
    assert unknown_types(sorted(EVENT_TYPES)) == []


# -- the code appends nothing it does not list ----------------------------------------------


def _type_literals() -> dict[str, set[str]]:
    """Every string in the code shaped like an event type, with the files holding it."""
    found: dict[str, set[str]] = {}
    for root in SOURCES:
        for path in root.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and _event_type_like(node.value)
                ):
                    found.setdefault(node.value, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_event_type_named_in_the_code_is_in_the_catalogue() -> None:
    literals = _type_literals()

    missing = {name: files for name, files in literals.items() if name not in EVENT_TYPES}
    assert missing == {}


def test_the_scan_finds_the_producers_of_todays_types() -> None:
    literals = _type_literals()

    # A scan that found none of them would pass the test above whatever the code appends.
    assert EVENT_TYPES - {"webhook.delivery_exhausted", "webhook.endpoint_disabled"} <= set(
        literals
    )
    assert "shared/mailman/services/reputation.py" in literals["domain.sending_paused"]


def test_the_scan_would_catch_a_new_type() -> None:
    assert _event_type_like("message.exploded")
    assert _event_type_like("thread.merged")
    assert not _event_type_like("example.com")
    assert not _event_type_like("inbox.ru")
    assert not _event_type_like("message.exploded:1")


# -- what the producers append --------------------------------------------------------------


JANE, BOB, ANN, EVE, MAX, ZOE = (
    f"{name}@customer.example" for name in ("jane", "bob", "ann", "eve", "max", "zoe")
)


def _receive_all_kinds(world: World) -> None:
    world.receive(make_mail(), source_id="ses-ok")
    quarantined = InboundMail(
        source="ses",
        source_id="ses-virus",
        received_at=world.clock.now(),
        envelope_recipients=("support@example.com",),
        verdicts={"spam": "PASS", "virus": "FAIL"},
    )
    receive(
        world.uow,
        world.blobs,
        quarantined,
        make_mail(message_id="<m2@elsewhere.example>"),
        scanning=world.scanning,
    )
    world.receive(
        make_mail(message_id="<m3@elsewhere.example>"),
        source_id="ses-nobody",
        envelope=("nobody@example.com",),
    )


def _track_all_kinds(world: World) -> None:
    pk = handed_off(world, JANE, BOB, ANN, EVE, MAX, ZOE)
    org = world.organization_id
    at = world.clock.now()
    for kind, to, report in [
        (SesEventType.SEND, (JANE,), {}),
        (SesEventType.DELIVERY, (JANE,), {}),
        (
            SesEventType.BOUNCE,
            (BOB,),
            {"bounce_type": BounceType.PERMANENT, "smtp_status": "5.1.1"},
        ),
        (SesEventType.COMPLAINT, (JANE,), {"complaint_feedback_type": "abuse"}),
        (SesEventType.REJECT, (ANN,), {}),
        (
            SesEventType.DELIVERY_DELAY,
            (EVE,),
            {"delay_type": "MailboxFull", "delay_expires_at": at + timedelta(days=1)},
        ),
        (SesEventType.RENDERING_FAILURE, (MAX,), {}),
    ]:
        record(world, ses_event(kind, to, message_pk=pk, organization_id=org, at=at, **report))


def _send_and_fail_and_cancel(world: World) -> None:
    later = world.send(
        to=("later@customer.example",), send_at=world.clock.now() + timedelta(hours=1)
    )
    sending.cancel(world.sending, world.organization_id, later.id)
    doomed = world.send(to=("ghost@customer.example",))
    suppress(world.uow, world.organization_id, SuppressionRequest("ghost@customer.example"))
    outbound = Outbound(world.uow, world.blobs, _NoMail(), world.clock, "us-east-1")
    deliver(outbound, DeliveryJob(world.organization_id, doomed.id))


class _NoMail:
    def send(self, raw: bytes, **kwargs: Any) -> str:
        raise AssertionError("every recipient is suppressed: nothing is sent")


def _pause_and_resume(world: World) -> None:
    now = world.clock.now()
    with world.uow(world.organization_id) as work:
        work.delivery_counts.add(
            [
                HourlyCounts(
                    world.organization_id,
                    world.domain.id,
                    world.inbox.id,
                    hour_of(now),
                    DeliveryCounts(sent=200, hard_bounced=20),
                )
            ]
        )
    with world.uow(None) as work:
        assert reputation.review(work, world.domain.id, BrakeSettings(), now)
    reputation.resume_sending(
        world.uow, world.clock, world.organization_id, world.domain.id, "list cleaned"
    )


def _receive_reports(world: World) -> None:
    """A DMARC report and a file that is none, to the domain's reports address."""
    good = gzipped(report_xml("r1", [("192.0.2.1", 3, "pass", "fail")]))
    files = [("r.xml.gz", "application/gzip", good), ("bad.zip", "application/zip", b"PK")]
    world.receive(
        report_mail(files), source_id="ses-dmarc", envelope=("dmarc-reports@example.com",)
    )


def _erase(world: World) -> None:
    [stored] = world.receive(
        make_mail(message_id="<m4@elsewhere.example>"), source_id="ses-4"
    ).stored
    mailbox_trash.trash_message(world.uow, world.clock, world.organization_id, stored.id)
    mailbox_trash.erase_message(
        world.uow, world.blobs, world.clock, world.organization_id, stored.id
    )


def test_every_event_the_services_append_holds_to_the_catalogue(world: World) -> None:
    _receive_all_kinds(world)
    _track_all_kinds(world)
    _send_and_fail_and_cancel(world)
    _pause_and_resume(world)
    _erase(world)
    _receive_reports(world)

    appended = [stored.event for stored in world.tables.events]
    for event in appended:
        _holds(event.type, event.payload)
    kinds = {event.type for event in appended}
    assert kinds == {t for t in EVENT_TYPES if t.startswith("message.")} | {
        "domain.sending_paused",
        "domain.sending_resumed",
        "domain.dmarc_report_received",
        "domain.dmarc_report_failed",
    }
    failures = [e.payload for e in appended if e.type == "message.failed"]
    assert {"reason" in p for p in failures} == {True, False}


def _domain(status: DomainStatus) -> Domain:
    checked = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    verified = status is DomainStatus.VERIFIED
    records = tuple(
        DomainRecordState(
            purpose=r.purpose,
            type=r.type,
            name=r.name,
            value=r.value,
            priority=r.priority,
            status=RecordStatus.VERIFIED if verified else RecordStatus.MISSING,
            found=("x",) if verified else (),
            checked_at=checked if verified else None,
        )
        for r in required_records("example.com", ("a", "b", "c"), "us-east-1", "f" * 32)
    )
    return Domain(
        id=uuid4(),
        organization_id=uuid4(),
        name="example.com",
        unicode_name="example.com",
        status=status,
        records=records,
        created_at=checked,
        updated_at=checked,
    )


def test_every_event_a_verification_announces_holds_to_the_catalogue() -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    signed = SesIdentity(("a", "b", "c"), "SUCCESS", "SUCCESS")
    ok = RecordCheck(RecordStatus.VERIFIED, ("x",))
    wrong = RecordCheck(RecordStatus.WRONG, ("10 mx.other.example.",))
    pending = _domain(DomainStatus.PENDING)
    verified = _domain(DomainStatus.VERIFIED)

    events = [
        *assess(pending, signed, [ok] * len(pending.records), now).events,
        *assess(verified, signed, [wrong] * len(verified.records), now).events,
        *defeated(pending, now).events,
    ]

    assert {e.type for e in events} == {
        "domain.verified",
        "domain.dns_changed",
        "domain.verification_failed",
    }
    for event in events:
        _holds(event.type, event.payload)


def test_a_payload_with_a_field_the_catalogue_does_not_declare_does_not_hold() -> None:
    payload = {**entry("message.cancelled").example, "surprise": 1}

    with pytest.raises(AssertionError):
        _holds("message.cancelled", payload)


def test_a_webhook_payload_built_from_its_model_holds() -> None:
    model = entry("webhook.delivery_exhausted").payload
    payload = model.model_validate(
        {
            "endpoint_id": uuid4(),
            "delivery_id": uuid4(),
            "event_id": uuid4(),
            "event_type": "message.received",
            "attempts": 8,
            "last_status_code": None,
            "last_error": "timed out",
        }
    ).model_dump(mode="json", by_alias=True)

    _holds("webhook.delivery_exhausted", payload)
    assert UUID(payload["event_id"])
