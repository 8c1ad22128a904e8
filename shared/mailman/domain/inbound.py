"""What receiving decides before anything is stored: the verdicts and where the raw goes."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from mailman.domain.filenames import name_extension, safe_extension
from mailman.domain.scanning import OFF, VIRUS, ScanReport, ScanVerdict


class Verdict(StrEnum):
    PASS = "PASS"  # noqa: S105 - a verdict, not a password
    FAIL = "FAIL"
    GRAY = "GRAY"
    PROCESSING_FAILED = "PROCESSING_FAILED"
    DISABLED = "DISABLED"


@dataclass(frozen=True)
class InboundMail:
    """One message as the mail service handed it over (SES), or as an import found it."""

    source: str
    """"ses" or "import"."""
    source_id: str
    """SES's message id, or the import's content hash: what makes a redelivery recognisable."""
    received_at: datetime
    envelope_recipients: tuple[str, ...] = ()
    raw_key: str | None = None
    """Where the mail service stored the raw message (None when the raw comes with it)."""
    verdicts: dict[str, str] = field(default_factory=dict)
    """spam, virus, spf, dkim, dmarc -> PASS / FAIL / GRAY / PROCESSING_FAILED / DISABLED."""
    dmarc_policy: str | None = None
    """The sender domain's DMARC policy, given by SES when DMARC failed."""


@dataclass(frozen=True)
class UnroutableMail:
    """Mail for a domain of an organisation that no inbox takes, and why
    (`MessageRepository.add_unroutable`)."""

    organization_id: UUID
    domain_id: UUID
    recipients: tuple[str, ...]
    message_id: str
    source_id: str
    raw_storage_key: str
    reason: str


def quarantine_reason(
    mail: InboundMail, parse_reason: str | None, scan: ScanReport = OFF
) -> str | None:
    """Why the message must not be handed out as ordinary mail, or None. A signature our
    scanner found comes first (it names the virus); a scan that failed past its bound last,
    as any other reason says more of the mail."""
    if scan.verdict is ScanVerdict.FAIL:
        return VIRUS
    if parse_reason is not None:
        return parse_reason
    if mail.verdicts.get("virus") == Verdict.FAIL:
        return VIRUS
    if mail.verdicts.get("dmarc") == Verdict.FAIL and (mail.dmarc_policy or "").lower() == "reject":
        return "dmarc_reject"
    return scan.quarantine_reason


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def raw_key(message_id: str, content_sha256: str, received_at: datetime) -> str:
    """`raw/{yyyy}/{mm}/{dd}/{sha256(message-id)}.eml`, the content hash's head appended so a
    different message reusing a Message-ID never overwrites the first."""
    return f"raw/{received_at:%Y/%m/%d}/{sha256_hex(message_id)}-{content_sha256[:16]}.eml"


def attachment_key(message_id: str, received_at: datetime, attachment_id: str, ext: str) -> str:
    """`attachments/{yyyy}/{mm}/{dd}/{sha256(message-id)}/{id}{ext}`; `ext` is "" or a dot
    and 1 to 10 of `[a-z0-9]` (`file_extension`'s answer), anything else a programming error."""
    if ext and not (ext.startswith(".") and safe_extension(ext[1:])):
        raise ValueError(f"not a safe extension for an object key: {ext!r}")
    return f"attachments/{received_at:%Y/%m/%d}/{sha256_hex(message_id)}/{attachment_id}{ext}"


def sent_raw_key(message_id: str, created_at: datetime) -> str:
    """Where a message sent from an inbox keeps its raw MIME (its id is ours: unique)."""
    return f"raw/{created_at:%Y/%m/%d}/{sha256_hex(message_id)}.eml"


def file_extension(filename: str | None, content_type: str) -> str:
    """The extension an object key gets, with its dot: the name's own when it is 1 to 10 of
    `[a-z0-9]` (`mailman.domain.filenames`), else the media type's usual one, else none.
    Nothing else of the name reaches a key."""
    own = name_extension(filename)
    if own:
        return f".{own}"
    usual = mimetypes.guess_extension(content_type.lower())
    return usual if usual and safe_extension(usual[1:]) else ""


def content_type_of(filename: str) -> str:
    """The media type the name's extension suggests, or `application/octet-stream`; only the
    extension counts (`guess_type` alone would read `data:text/html,x` as HTML)."""
    own = name_extension(filename)
    return (mimetypes.guess_type(f"file.{own}")[0] if own else None) or "application/octet-stream"
