"""Composing outgoing mail: the stdlib `email` package with `policy.SMTP`.

The message is what `mailman.domain.outbound` has already checked, so nothing here judges
input; the policy encodes non-ASCII headers (RFC 2047), folds long ones, picks each body
part's transfer encoding and writes CRLF line ends. Bcc never appears in the headers: it
only goes in the envelope.

Should `email` refuse a stored message all the same (one stored before a rule existed), the
failure is `CompositionFailed`, naming the field it was writing and never its content:
composing does no I/O, so trying again would fail again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy
from email.utils import format_datetime

from mailman.domain.errors import CompositionFailed, ValidationError
from mailman.domain.filenames import download_name
from mailman.domain.headers import check_headers
from mailman.domain.outbound import Address, Outgoing, OutgoingAttachment
from mailman.mime.html_text import html_to_text

_ID_HEADERS = frozenset({"message-id", "in-reply-to", "references"})


class _SmtpPolicy(EmailPolicy):
    """`policy.SMTP`, except that ids are folded between ids and never encoded.

    The stdlib folds Message-ID, In-Reply-To and References as unstructured text: an id
    longer than a line (SES's are 80 characters) comes out RFC 2047-encoded, and no mail
    client finds the id in it any more, so replies stop threading.
    """

    def _fold(self, name: str, value: str, refold_binary: bool = False) -> str:
        if name.lower() in _ID_HEADERS:
            return f"{name}: {(self.linesep + ' ').join(str(value).split())}{self.linesep}"
        folded: str = super()._fold(name, value, refold_binary)  # type: ignore[misc]
        return folded


SMTP = _SmtpPolicy(linesep="\r\n")


def _header_address(address: Address) -> HeaderAddress:
    return HeaderAddress(display_name=address.name or "", addr_spec=address.address)


@contextmanager
def _writing(what: str) -> Iterator[None]:
    """Turn whatever `email` raises while writing `what` into `CompositionFailed`."""
    try:
        yield
    except (CompositionFailed, MemoryError):
        raise
    except Exception as exc:
        raise CompositionFailed(
            f"the message could not be composed: {what} cannot be written ({type(exc).__name__})"
        ) from exc


def _unsubscribe(mail: EmailMessage, uri: str) -> None:
    mail["List-Unsubscribe"] = f"<{uri}>"
    if uri.lower().startswith("https:"):
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


def compose(
    message: Outgoing,
    *,
    message_id: str,
    date: datetime,
    list_unsubscribe: str | None = None,
) -> bytes:
    """The message as bytes to hand to SES.

    `message_id` is ours (`<id@domain>`); `list_unsubscribe`, an https URL, adds the
    one-click unsubscribe headers of RFC 8058, and a mailto: URI List-Unsubscribe alone.
    Raises `CompositionFailed` when `email` refuses the message.
    """
    with _writing("the message"):
        return _compose(message, message_id, date, list_unsubscribe)


def _compose(
    message: Outgoing, message_id: str, date: datetime, list_unsubscribe: str | None
) -> bytes:
    mail = EmailMessage(policy=SMTP)
    _write_envelope(mail, message, message_id, date)
    if list_unsubscribe:
        with _writing("list_unsubscribe"):
            _unsubscribe(mail, list_unsubscribe)
    _write_custom_headers(mail, message.headers)
    _write_body(mail, message)
    return mail.as_bytes()


def _write_envelope(mail: EmailMessage, message: Outgoing, message_id: str, date: datetime) -> None:
    """The addresses, subject, date and ids."""
    with _writing("from"):
        mail["From"] = _header_address(message.sender)
    for field, name, addresses in (
        ("to", "To", message.to),
        ("cc", "Cc", message.cc),
        ("reply_to", "Reply-To", message.reply_to),
    ):
        if addresses:
            with _writing(field):
                mail[name] = [_header_address(a) for a in addresses]
    with _writing("subject"):
        mail["Subject"] = message.subject
    mail["Date"] = format_datetime(date)
    mail["Message-ID"] = message_id
    with _writing("in_reply_to and references"):
        if message.in_reply_to:
            mail["In-Reply-To"] = message.in_reply_to
        if message.references:
            mail["References"] = " ".join(message.references)


def _write_custom_headers(mail: EmailMessage, headers: tuple[tuple[str, str], ...]) -> None:
    try:  # stored before the allow-list, a header may be one nobody may set: never send it
        check_headers(headers)
    except ValidationError as refused:
        raise CompositionFailed(
            f"the message could not be composed: {refused.field} {refused.message}"
        ) from refused
    for name, value in headers:
        with _writing(f"headers.{name}"):
            mail[name] = value


def _write_body(mail: EmailMessage, message: Outgoing) -> None:
    """The text, the HTML beside it, and the attachments (inline images beside the HTML)."""
    text = message.text
    if text is None and message.html is not None:
        text = html_to_text(message.html).text
    with _writing("text"):
        mail.set_content(text or "")
    if message.html is not None:
        with _writing("html"):
            mail.add_alternative(message.html, subtype="html")
    html_part = mail.get_body(preferencelist=("html",)) if message.html is not None else None
    for n, attachment in enumerate(message.attachments):
        with _writing(f"attachments[{n}]"):
            _attach(mail, html_part, attachment)


def _attach(mail: EmailMessage, html_part: MIMEPart | None, attachment: OutgoingAttachment) -> None:
    """One file, named by its download name (its last path segment, without controls or bidi
    overrides: the stored name stays as given); `email` quotes it, or writes RFC 2231's
    `filename*=utf-8''...` when it is not ASCII. No ASCII `filename` goes beside that: mail
    parsers (the stdlib's, ours) read the plain one first and would lose the real name."""
    maintype, _, subtype = attachment.content_type.partition("/")
    filename = download_name(attachment.filename)
    if attachment.content_id and html_part is not None:
        html_part.add_related(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            cid=f"<{attachment.content_id}>",
            filename=filename,
            disposition="inline",
        )
    else:
        mail.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=filename,
        )
