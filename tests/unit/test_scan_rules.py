"""Scanning received mail (ClamAV through the `Scanner` port, here the fake): what is
scanned, what each verdict does to the stored message, and a scanner that is down."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from mailman.adapters.clamav import ScanningOff
from mailman.adapters.memory.scanner import FakeScanner
from mailman.domain.inbound import InboundMail
from mailman.domain.mailbox import MessageView
from mailman.domain.pagination import PageRequest
from mailman.domain.scanning import ScannerUnavailable, ScanPart, ScanReport
from mailman.services import mailbox
from mailman.services.receiving import (
    Incoming,
    Received,
    Scanning,
    import_message,
    receive,
    receive_batch,
)

from ..mail import make_mail
from .world import World, make_world

EICAR = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
SIGNATURE = "Eicar-Test-Signature"


@pytest.fixture
def world() -> World:
    made = make_world()
    made.scanner.signatures[EICAR] = SIGNATURE
    return made


def _with_file(content: bytes, filename: str = "invoice.zip") -> bytes:
    """A mail with one attachment, base64-encoded: its content is not in the raw bytes."""
    mail = EmailMessage()
    mail["From"] = "Alice <alice@elsewhere.example>"
    mail["To"] = "support@example.com"
    mail["Subject"] = "Order 1234"
    mail["Message-ID"] = "<file@elsewhere.example>"
    mail["Date"] = "Sat, 21 Nov 2026 11:00:00 +0000"
    mail.set_content("Hello, the invoice is attached.")
    mail.add_attachment(content, maintype="application", subtype="zip", filename=filename)
    return bytes(mail)


def _incoming(world: World, raw: bytes, *, attempt: int = 1, source_id: str = "ses-1") -> Incoming:
    mail = InboundMail(
        source="ses",
        source_id=source_id,
        received_at=world.clock.now(),
        envelope_recipients=("support@example.com",),
        verdicts={"spam": "PASS", "virus": "PASS"},
    )
    return Incoming(mail, raw, attempt=attempt)


def _listed(world: World, *, quarantined: bool) -> list[MessageView]:
    page = mailbox.list_messages(
        world.uow,
        world.organization_id,
        world.inbox.id,
        PageRequest(limit=50),
        quarantined=quarantined,
    )
    return list(page.items)


def _events(world: World, kind: str) -> list[dict[str, object]]:
    return [dict(e.event.payload) for e in world.tables.events if e.event.type == kind]


def test_the_raw_message_and_each_decoded_attachment_are_scanned(world: World) -> None:
    world.receive(_with_file(b"PK\x03\x04 a zip"))

    [parts] = world.scanner.scanned
    assert [p.name for p in parts] == ["message", "attachment 1 (invoice.zip)"]
    assert parts[1].content == b"PK\x03\x04 a zip"


def test_clean_mail_passes_and_is_delivered_with_its_verdict(world: World) -> None:
    found = world.received(_with_file(b"harmless"))

    assert found.scan is not None
    assert (found.scan.verdict, found.scan.engine, found.scan.signature) == (
        "pass",
        "FakeScanner 1/1",
        None,
    )
    assert not found.quarantined
    assert len(found.attachments) == 1
    assert [m.id for m in _listed(world, quarantined=False)] == [found.id]
    [event] = _events(world, "message.received")
    assert event["scan"] == {
        "verdict": "pass",
        "engine": "FakeScanner 1/1",
        "signature": None,
        "unscanned": [],
    }


def test_a_virus_in_the_raw_message_quarantines_it_with_the_signature(world: World) -> None:
    received = world.receive(make_mail(body=EICAR.decode()))

    [stored] = received.stored
    assert received.quarantine_reason == "virus"
    assert received.scan.signature == SIGNATURE
    assert stored.quarantined
    assert _listed(world, quarantined=False) == []
    [shown] = _listed(world, quarantined=True)
    assert shown.scan is not None
    assert (shown.quarantine_reason, shown.scan.verdict, shown.scan.signature) == (
        "virus",
        "fail",
        SIGNATURE,
    )
    [event] = _events(world, "message.quarantined")
    assert event["quarantine_reason"] == "virus"
    assert event["scan"]["signature"] == SIGNATURE  # type: ignore[index]
    assert _events(world, "message.received") == []


def test_a_virus_in_an_attachment_quarantines_the_mail_and_stores_no_attachment(
    world: World,
) -> None:
    raw = _with_file(b"zip around " + EICAR)
    assert EICAR not in raw  # only the decoded attachment holds it

    found = world.received(raw)

    assert found.scan is not None
    assert (found.quarantine_reason, found.scan.signature) == ("virus", SIGNATURE)
    assert found.attachments == ()
    written = world.blobs.keys()
    assert all(key.startswith("raw/") for key in written)


def test_mail_the_parser_quarantined_still_has_its_raw_scanned(world: World) -> None:
    over = "".join(f"X-Filler-{i}: x\r\n" for i in range(100_000))

    received = world.receive(make_mail(extra=over, body=EICAR.decode()))

    [parts] = world.scanner.scanned
    assert [p.name for p in parts] == ["message"]
    assert (received.quarantine_reason, received.scan.signature) == ("virus", SIGNATURE)


def test_parts_over_the_limits_are_unscanned_never_clean(world: World) -> None:
    raw = _with_file(b"small")
    world.scanner.max_bytes = len(raw) - 1  # the raw form over it, the attachment within

    found = world.received(raw)

    assert found.scan is not None
    assert (found.scan.verdict, found.scan.unscanned) == ("unscanned", ("message",))
    assert not found.quarantined
    assert len(found.attachments) == 1


def test_with_scanning_off_the_mail_says_so(world: World) -> None:
    off = Scanning(ScanningOff(), attempts=4)
    incoming = _incoming(world, make_mail(body=EICAR.decode()))

    [received] = receive_batch(world.uow, world.blobs, [incoming], off)

    assert isinstance(received, Received)
    [found] = _listed(world, quarantined=False)
    assert found.scan is not None
    assert (found.scan.verdict, found.quarantined) == ("off", False)


def test_ses_virus_verdict_still_quarantines_without_a_signature(world: World) -> None:
    mail = InboundMail(
        source="ses",
        source_id="ses-virus",
        received_at=world.clock.now(),
        envelope_recipients=("support@example.com",),
        verdicts={"spam": "PASS", "virus": "FAIL"},
    )

    received = receive(world.uow, world.blobs, mail, make_mail(), scanning=world.scanning)

    assert received.quarantine_reason == "virus"
    assert (received.scan.verdict, received.scan.signature) == ("pass", None)


@pytest.mark.parametrize("attempt", [1, 3])
def test_a_scanner_down_before_the_bound_stores_nothing(world: World, attempt: int) -> None:
    world.scanner.down = True

    [outcome] = receive_batch(
        world.uow,
        world.blobs,
        [_incoming(world, _with_file(b"x"), attempt=attempt)],
        world.scanning,
    )

    assert isinstance(outcome, ScannerUnavailable)
    assert world.tables.messages == {}
    assert world.tables.events == []
    assert world.blobs.keys() == set()


@pytest.mark.parametrize("attempt", [4, 7])
def test_a_scanner_down_at_the_bound_quarantines_as_scan_failed(world: World, attempt: int) -> None:
    world.scanner.down = True

    [outcome] = receive_batch(
        world.uow,
        world.blobs,
        [_incoming(world, _with_file(b"x"), attempt=attempt)],
        world.scanning,
    )

    assert isinstance(outcome, Received)
    assert (outcome.quarantine_reason, outcome.scan.verdict) == ("scan_failed", "failed")
    [shown] = _listed(world, quarantined=True)
    assert shown.scan is not None
    assert shown.scan.verdict == "failed"
    assert shown.attachments == ()
    assert _listed(world, quarantined=False) == []
    [event] = _events(world, "message.quarantined")
    assert event["quarantine_reason"] == "scan_failed"


def test_mail_that_waited_for_the_scanner_is_stored_once_when_it_is_back(world: World) -> None:
    incoming = _incoming(world, _with_file(b"x"))
    world.scanner.down = True
    receive_batch(world.uow, world.blobs, [incoming], world.scanning)
    world.scanner.down = False

    [first] = receive_batch(world.uow, world.blobs, [incoming], world.scanning)
    [again] = receive_batch(world.uow, world.blobs, [incoming], world.scanning)

    assert isinstance(first, Received)
    assert isinstance(again, Received)
    assert (first.stored[0].created, again.stored[0].created) == (True, False)
    assert len(world.tables.messages) == 1
    assert len(_events(world, "message.received")) == 1


def test_a_scan_failing_for_one_mail_leaves_the_rest_of_the_batch_stored(world: World) -> None:
    scanner = FakeScanner()
    scanner.down_for.append(b"<wait@x>")
    scanning = Scanning(scanner, attempts=4)
    batch = [
        _incoming(world, make_mail(), source_id="ses-1"),
        _incoming(world, make_mail(message_id="<wait@x>"), source_id="ses-2"),
    ]

    stored, waiting = receive_batch(world.uow, world.blobs, batch, scanning)

    assert isinstance(stored, Received)
    assert isinstance(waiting, ScannerUnavailable)
    assert [r.message.source_id for r in world.tables.messages.values()] == ["ses-1"]


def test_an_import_with_the_scanner_down_raises_and_stores_nothing(world: World) -> None:
    world.scanner.down = True

    with pytest.raises(ScannerUnavailable):
        import_message(
            world.uow,
            world.blobs,
            world.scanning,
            world.inbox,
            make_mail(),
            datetime(2026, 11, 21, tzinfo=UTC),
        )

    assert world.tables.messages == {}
    assert world.blobs.keys() == set()


def test_an_imported_virus_is_quarantined(world: World) -> None:
    stored = import_message(
        world.uow,
        world.blobs,
        world.scanning,
        world.inbox,
        make_mail(body=EICAR.decode()),
        datetime(2026, 11, 21, tzinfo=UTC),
    )

    assert stored.quarantined
    assert world.row(stored.id).message.quarantine_reason == "virus"


def test_sent_mail_has_no_scan(world: World) -> None:
    sent = world.send()

    assert sent.scan is None


class Slow(FakeScanner):
    """Takes `seconds` (on a clock the test moves) over each mail."""

    def __init__(self, now: list[float], seconds: float) -> None:
        super().__init__()
        self.now, self.seconds = now, seconds

    def scan(self, parts: Sequence[ScanPart], deadline: float | None = None) -> ScanReport:
        self.now[0] += self.seconds
        return super().scan(parts, deadline)


def test_past_the_deadline_the_rest_of_the_batch_waits_unscanned(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr("mailman.services.receiving.scan.time.monotonic", lambda: now[0])
    slow = Slow(now, seconds=8)
    scanning = Scanning(slow, attempts=4, deadline=now[0] + 10)
    batch = [
        _incoming(world, make_mail(message_id=f"<m{n}@x>"), source_id=f"ses-{n}") for n in range(3)
    ]

    answers = receive_batch(world.uow, world.blobs, batch, scanning)

    assert [type(a) for a in answers] == [Received, Received, ScannerUnavailable]
    assert len(slow.scanned) == 2  # the third mail was not started
    assert sorted(r.message.source_id for r in world.tables.messages.values()) == [
        "ses-0",
        "ses-1",
    ]


def test_past_the_deadline_at_its_bound_a_mail_is_stored_as_scan_failed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mailman.services.receiving.scan.time.monotonic", lambda: 50.0)
    scanning = Scanning(world.scanner, attempts=4, deadline=10.0)

    [answer] = receive_batch(
        world.uow, world.blobs, [_incoming(world, make_mail(), attempt=4)], scanning
    )

    assert isinstance(answer, Received)
    assert (answer.scan.verdict, answer.quarantine_reason) == ("failed", "scan_failed")
    assert world.scanner.scanned == []
