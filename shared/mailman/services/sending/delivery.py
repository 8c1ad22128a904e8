"""Handing outgoing mail to the mail service, exactly once, and recording that it was.

One job (an outbound queue message) names one message. The message is claimed first: moved
to `sending` and committed, so a job delivered twice, or two workers given the same job,
find it claimed and send nothing more. Then the suppression list is checked, the MIME built
and kept, and the mail handed to SES, tagged with the message's id.

SES takes no idempotency token, so the one window that cannot be closed is after SES took
the mail and before the hand-off is recorded (the function dies, the database is away).
The design errs towards sending nothing twice: the message stays `sending`, and no retry
sends it again. SES's own Send event, which carries our tags, records it as Sent
(`record_sent`, called by the telemetry function) exactly as the outbound function would
have. A hand-off nobody confirms within `CONFIRMATION_WINDOW` was never taken by SES (its
Send events come within seconds) and is reported Failed with `UNCONFIRMED`, so the caller
decides whether to send again; should the Send event turn up later still, the message
becomes Sent after all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from mailman import mime
from mailman.domain.delivery import RecipientStatus
from mailman.domain.errors import DeliveryError, DeliveryUncertain, NotFound
from mailman.domain.events import NewEvent
from mailman.domain.messages import OutgoingMail, SentConfirmation, SentRecord
from mailman.domain.models import DeliveryStatus
from mailman.domain.outbound import Address, Outgoing, OutgoingAttachment
from mailman.domain.suppressions import canonical_address, screen, skipped_reason
from mailman.ports import BlobStore, UnitOfWork
from mailman.services.sending._internal import announce, announcement, fail_message
from mailman.services.sending.environment import Outbound

TAG_MESSAGE = "mailman_message_id"
TAG_ORGANIZATION = "mailman_organization_id"
CONFIRMATION_WINDOW = timedelta(minutes=30)
UNCONFIRMED = "SES never confirmed taking the message (no Send event): it was probably not sent"
ALL_SUPPRESSED = "every recipient is on the suppression list"
SENDING_PAUSED = "the sender's domain has its sending paused: the message waits for a resume"


class SendOutcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"
    """Not waiting (sent, being sent, cancelled) or not due (rescheduled)."""
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    """SES may have taken it: left for its Send event to confirm."""
    HELD = "held"
    """Its domain's sending is paused (the reputation brake): handed back to wait."""


@dataclass(frozen=True)
class DeliveryJob:
    organization_id: UUID
    message_id: UUID


@dataclass(frozen=True)
class DeliveryReport:
    """What became of one job: the outcome, SES's id for the mail, why it failed, the
    recipients left out as suppressed, and (sent) the sending domain and how many recipients
    SES took the mail for."""

    outcome: SendOutcome
    ses_message_id: str | None = None
    reason: str | None = None
    suppressed: tuple[str, ...] = ()
    domain: str | None = None
    """The sending domain's name (the sender's, an inbox's address on its domain)."""
    recipients_sent: int = 0


@dataclass(frozen=True)
class _Claimed:
    """A message claimed for the hand-off: where it goes, and who it leaves out."""

    mail: OutgoingMail
    destinations: list[str]
    suppressed: list[str]


def _claim(env: Outbound, job: DeliveryJob) -> _Claimed | DeliveryReport:
    """Claim the message and check it against its domain's brake and the suppression list,
    in one transaction; the report of why nothing is to be sent, where nothing is."""
    with env.uow(job.organization_id) as work:
        mail = work.outbox.claim(job.message_id, env.clock.now())
        if mail is None:
            return DeliveryReport(SendOutcome.SKIPPED)
        if mail.sending_paused:
            # Back to waiting, marked queued: the dispatcher queues it again in a quarter of
            # an hour, or within the minute once the domain is resumed.
            work.outbox.hand_back(mail.id, env.clock.now())
            return DeliveryReport(SendOutcome.HELD, reason=SENDING_PAUSED)
        destinations, suppressed = _screened(work, mail)
        if not destinations:
            fail_message(work, mail.id, ALL_SUPPRESSED, [DeliveryStatus.SENDING])
            return DeliveryReport(
                SendOutcome.FAILED, reason=ALL_SUPPRESSED, suppressed=tuple(suppressed)
            )
    return _Claimed(mail, destinations, suppressed)


def deliver(env: Outbound, job: DeliveryJob) -> DeliveryReport:
    """Send one message if it is waiting and due; while its domain's sending is paused, hand
    it back to wait (`HELD`), unsent. A transient failure of SES (or of the blob
    store) hands it back and raises, for the queue to try again later. A permanent one (SES
    refused it, an attachment is gone, `compose` cannot write it) is recorded: the message
    fails with its reason and `message.failed`, and the job is done."""
    claimed = _claim(env, job)
    if isinstance(claimed, DeliveryReport):
        return claimed
    mail, destinations, suppressed = claimed.mail, claimed.destinations, claimed.suppressed
    try:
        built = build_mime(env.blobs, mail, env.clock.now())
        if mail.raw_storage_key:
            env.blobs.put(mail.raw_storage_key, built.raw, "message/rfc822")
        ses_message_id = env.mailer.send(
            built.raw,
            destinations=destinations,
            tags={TAG_MESSAGE: str(mail.id), TAG_ORGANIZATION: str(mail.organization_id)},
        )
    except DeliveryUncertain as exc:
        return DeliveryReport(
            SendOutcome.UNCERTAIN, reason=exc.message, suppressed=tuple(suppressed)
        )
    except NotFound as exc:  # an attachment's object is gone: no retry brings it back
        return _failed(env, mail, f"an attachment could not be read: {exc.message}", suppressed)
    except DeliveryError as exc:
        if exc.transient:
            _hand_back(env, mail)
            raise
        return _failed(env, mail, exc.message, suppressed)
    except Exception:  # the blob store, say: SES was not called, so a retry is safe
        _hand_back(env, mail)
        raise
    record_sent(env, job.organization_id, mail.id, ses_message_id, built)
    return DeliveryReport(
        SendOutcome.SENT,
        ses_message_id,
        suppressed=tuple(suppressed),
        domain=mail.from_address.rpartition("@")[2],
        recipients_sent=len(destinations),
    )


def _screened(work: UnitOfWork, mail: OutgoingMail) -> tuple[list[str], list[str]]:
    """The addresses to send the mail to, and those left out: the recipients stored
    `suppressed` when the message was sent (what its answer said stays true) and those on
    the suppression list now (marked so, with why), each compared in canonical form."""
    addresses = list(dict.fromkeys(r.address for r in mail.recipients))
    skipped = {r.address for r in mail.recipients if r.status == RecipientStatus.SUPPRESSED}
    wanted = {canonical_address(a) for a in addresses if a not in skipped}
    listed = work.suppressions.find(sorted(wanted)) if wanted else {}
    found = {a: why for a, why in screen(addresses, listed).items() if a not in skipped}
    if found:
        reasons = {a: skipped_reason(why) for a, why in found.items()}
        work.outbox.mark_recipients(mail.id, RecipientStatus.SUPPRESSED.value, reasons)
    left_out = [a for a in addresses if a in skipped or a in found]
    return [a for a in addresses if a not in left_out], left_out


def _failed(
    env: Outbound, mail: OutgoingMail, reason: str, suppressed: Sequence[str]
) -> DeliveryReport:
    with env.uow(mail.organization_id) as work:
        fail_message(work, mail.id, reason, [DeliveryStatus.SENDING])
    return DeliveryReport(SendOutcome.FAILED, reason=reason, suppressed=tuple(suppressed))


def _hand_back(env: Outbound, mail: OutgoingMail) -> None:
    with env.uow(mail.organization_id) as work:
        work.outbox.hand_back(mail.id, env.clock.now())


@dataclass(frozen=True)
class Built:
    """The message as written for the hand-off: its MIME, and the SHA-256 of each of its
    attachments' bytes by storage key (an upload's is known only once it is read here)."""

    raw: bytes
    digests: dict[str, str]


def build_mime(blobs: BlobStore, mail: OutgoingMail, date: datetime) -> Built:
    """The message's MIME, its attachments read from where they wait."""
    files = {f.storage_key: blobs.get(f.storage_key) for f in mail.attachments}

    kinds: dict[str, list[Address]] = {"to": [], "cc": [], "bcc": []}
    for r in mail.recipients:
        if r.kind in kinds:
            kinds[r.kind].append(Address(r.address, r.name))
    outgoing = Outgoing(
        sender=Address(mail.from_address, mail.from_name),
        to=tuple(kinds["to"]),
        cc=tuple(kinds["cc"]),
        bcc=tuple(kinds["bcc"]),
        subject=mail.subject or "",
        text=mail.text_body,
        html=mail.html_body,
        reply_to=tuple(Address(a) for a in mail.reply_to),
        headers=mail.headers,
        in_reply_to=mail.in_reply_to,
        references=mail.references,
        attachments=tuple(
            OutgoingAttachment(
                f.filename or "attachment", f.content_type, files[f.storage_key], f.content_id
            )
            for f in mail.attachments
        ),
    )
    # `mime.compose` is loaded here, by the first hand-off: the dispatcher and the telemetry
    # function, which use this module's other rules, never write MIME.
    raw = mime.compose(
        outgoing, message_id=mail.message_id, date=date, list_unsubscribe=mail.list_unsubscribe
    )
    return Built(raw, {key: hashlib.sha256(content).hexdigest() for key, content in files.items()})


def ses_header_id(ses_message_id: str, region: str) -> str:
    """The Message-ID SES gives the mail it sends."""
    return f"<{ses_message_id}@{region}.amazonses.com>"


def record_sent(
    env: Outbound, organization_id: UUID, message_pk: UUID, ses_id: str, built: Built
) -> bool:
    """Record that SES took the message as `built`: it is Sent, SES's Message-ID threads
    replies to it, and it shows the size it was sent at and its attachments' digests.
    Answers whether this call recorded it (False for a repeat or an unknown message)."""
    with env.uow(organization_id) as work:
        work.outbox.record_built(message_pk, len(built.raw), built.digests)
        record = confirm_sent(work, message_pk, ses_id, region=env.region, at=env.clock.now())
        return record is not None and record.newly


def confirm_sent(
    work: UnitOfWork, message_pk: UUID, ses_id: str, *, region: str, at: datetime
) -> SentRecord | None:
    """`record_sent` in the caller's unit of work (the telemetry function records each SES
    event with it): the message and its recipients not left out are Sent, and
    `message.sent` is announced, the first time. Answers the message's record (`newly`
    False for a repeat), or None for a message SES cannot have (unknown, never handed
    off, or handed off under another id)."""
    record = work.outbox.record_sent(
        SentConfirmation(
            message_pk, ses_message_id=ses_id, ses_header_id=ses_header_id(ses_id, region), at=at
        )
    )
    if record is not None and record.newly:
        announce(work, "message.sent", message_pk, record, ses_message_id=ses_id)
    return record


def confirm_sent_many(
    work: UnitOfWork, sent: Sequence[tuple[UUID, str]], *, region: str, at: datetime
) -> Callable[[], list[SentRecord | None]]:
    """`confirm_sent` for each (message, SES id) pair, in order, answering a call that gives
    the records (`Outbox.record_sent_many`); each `message.sent` is left to the caller
    (`sent_event`) to append with what else it appends."""
    return work.outbox.record_sent_many(
        [
            SentConfirmation(
                pk, ses_message_id=ses_id, ses_header_id=ses_header_id(ses_id, region), at=at
            )
            for pk, ses_id in sent
        ]
    )


def sent_event(message_pk: UUID, record: SentRecord, ses_id: str) -> NewEvent:
    """The `message.sent` a newly confirmed hand-off appends (as `confirm_sent` does)."""
    return announcement("message.sent", message_pk, record, ses_message_id=ses_id)
