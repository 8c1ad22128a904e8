"""The local web console: `/console` on the API's port of `make dev` (never deployed).

Server-rendered pages over the application's own services, read and sent through a
container of the console's own (one connection, one request at a time): organisations'
domains with their DNS status, inboxes, threads with their messages (HTML sanitised in a
sandboxed frame, `local.console.mail_html`), attachments, raw source, the outbox with each
recipient's delivery status, the event log followed live (a short poll), and a compose box
that sends as `POST /inboxes/{id}/messages` does.

It answers only requests addressed to a loopback name (a page elsewhere cannot reach it by
rebinding its own name to 127.0.0.1), every page carries a Content-Security-Policy that runs
the console's one script file and nothing inline, and a POST must come from the console's
own origin.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode
from uuid import UUID

from jinja2 import Environment, FileSystemLoader, select_autoescape

from functions.api.errors import status_of
from local.apigw import ProxyResult
from local.console.mail_html import mail_document
from mailman.composition import Container
from mailman.domain.errors import DomainError
from mailman.domain.mailbox import MessageView
from mailman.domain.mailbox_state import Direction, MailboxFilter
from mailman.domain.pagination import MAX_LIMIT, PageRequest
from mailman.services import domains, events, inboxes, mailbox, organizations, sending

PREFIX = "/console"
HERE = Path(__file__).parent
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
EVENTS_SHOWN = 100
OUTBOX_SHOWN = 100
PAYLOAD_CHARS = 400
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:{remote}; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
"""Every page's policy. A frame's `srcdoc` document inherits it (and adds its own): inline
style is for the mail shown there; `{remote}` opens images to the web on a thread page whose
reader asked for a message's remote images."""
DOWNLOAD_POLICY = "default-src 'none'; sandbox"
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@dataclass(frozen=True)
class ConsoleRequest:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    """By lower-case name."""
    body: bytes

    def param(self, name: str) -> str | None:
        values = parse_qs(self.query).get(name)
        return values[0] if values else None

    def form(self) -> dict[str, str]:
        fields = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {name: values[0] for name, values in fields.items()}


class _Refused(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


Page = Callable[..., ProxyResult]


class Console:
    """Answers the requests under `/console` (`serves`) with `respond`."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self._lock = threading.Lock()
        self._templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        org = r"/orgs/(?P<org>[^/]+)"
        message = org + r"/messages/(?P<message>[^/]+)"
        self._routes: list[tuple[str, re.Pattern[str], Page]] = [
            (method, re.compile(f"{PREFIX}{pattern}/?"), page)
            for method, pattern, page in (
                ("GET", r"", self._home),
                ("GET", r"/static/(?P<name>[a-z]+\.(?:js|css))", self._static),
                ("GET", org, self._organization),
                ("GET", org + r"/inboxes/(?P<inbox>[^/]+)", self._inbox),
                ("GET", org + r"/threads/(?P<thread>[^/]+)", self._thread),
                ("GET", org + r"/threads/(?P<thread>[^/]+)/messages", self._thread_messages),
                ("GET", message + r"/raw", self._raw),
                ("GET", message + r"/attachments/(?P<attachment>[^/]+)", self._attachment),
                ("GET", message + r"/inline/(?P<content_id>[^/]+)", self._inline),
                ("GET", org + r"/outbox", self._outbox),
                ("GET", org + r"/events", self._events),
                ("GET", org + r"/events\.json", self._events_json),
                ("GET", org + r"/compose", self._compose),
                ("POST", org + r"/compose", self._send),
            )
        ]

    @staticmethod
    def serves(path: str) -> bool:
        return path == PREFIX or path.startswith(PREFIX + "/")

    def respond(self, request: ConsoleRequest) -> ProxyResult:
        try:
            origin = _origin(request)
            page, arguments = self._route(request)
            with self._lock:
                return page(request, origin, **arguments)
        except _Refused as refused:
            return _text(refused.status, refused.message)
        except DomainError as refused:
            # What the API would answer of it (a made-up page token is a 400, as there).
            return _text(status_of(refused), refused.message)
        except Exception:  # a page's own failure: told once on the console, never a hang-up
            traceback.print_exc()
            return _text(HTTPStatus.INTERNAL_SERVER_ERROR, "the console failed; see make dev")

    def close(self) -> None:
        self._container.database.close()

    def _route(self, request: ConsoleRequest) -> tuple[Page, dict[str, str]]:
        allowed = False
        for method, pattern, page in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if method == request.method or (method == "GET" and request.method == "HEAD"):
                return page, match.groupdict()
            allowed = True
        if allowed:
            raise _Refused(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed")
        raise _Refused(HTTPStatus.NOT_FOUND, "no such page")

    # -- rendering ---------------------------------------------------------------------

    def _page(
        self,
        template: str,
        *,
        status: HTTPStatus = HTTPStatus.OK,
        remote: bool = False,
        **data: Any,
    ) -> ProxyResult:
        body = self._templates.get_template(template).render(prefix=PREFIX, **data)
        return _result(status, "text/html; charset=utf-8", body.encode(), _policy(remote))

    # -- pages ---------------------------------------------------------------------------

    def _home(self, request: ConsoleRequest, origin: str) -> ProxyResult:
        orgs = organizations.list_organizations(self._container.uow)
        if len(orgs) == 1:
            return _redirect(f"{PREFIX}/orgs/{orgs[0].id}")
        return self._page("home.html", organizations=orgs)

    def _static(self, request: ConsoleRequest, origin: str, name: str) -> ProxyResult:
        path = HERE / "static" / name
        if not path.is_file():
            raise _Refused(HTTPStatus.NOT_FOUND, "no such file")
        return _result(HTTPStatus.OK, STATIC_TYPES[path.suffix], path.read_bytes(), _policy())

    def _organization(self, request: ConsoleRequest, origin: str, org: str) -> ProxyResult:
        org_id = _uuid(org)
        organization = organizations.get_organization(self._container.uow, org_id)
        every = PageRequest(limit=MAX_LIMIT)
        return self._page(
            "organization.html",
            org_id=org_id,
            org=organization,
            domains=domains.list_domains(self._container.uow, org_id, every).items,
            inboxes=inboxes.list_inboxes(self._container.uow, org_id, every).items,
        )

    def _inbox(self, request: ConsoleRequest, origin: str, org: str, inbox: str) -> ProxyResult:
        org_id, inbox_id = _uuid(org), _uuid(inbox)
        found = inboxes.get_inbox(self._container.uow, org_id, inbox_id)
        page = mailbox.list_threads(
            self._container.uow,
            org_id,
            inbox_id,
            PageRequest.parse(MAX_LIMIT, request.param("page_token")),
        )
        return self._page("inbox.html", org_id=org_id, inbox=found, threads=page)

    def _thread(self, request: ConsoleRequest, origin: str, org: str, thread: str) -> ProxyResult:
        return self._page("thread.html", **self._thread_data(request, origin, org, thread))

    def _thread_messages(
        self, request: ConsoleRequest, origin: str, org: str, thread: str
    ) -> ProxyResult:
        """The thread's messages alone, for the open page to swap in when they change."""
        return self._page("messages.html", **self._thread_data(request, origin, org, thread))

    def _thread_data(
        self, request: ConsoleRequest, origin: str, org: str, thread: str
    ) -> dict[str, Any]:
        org_id = _uuid(org)
        view = mailbox.get_thread(self._container.uow, org_id, _uuid(thread))
        remote = request.param("remote")
        return {
            "remote": remote is not None,
            "org_id": org_id,
            "thread": view.thread,
            "messages": [
                _shown_message(org_id, m, origin, remote_images=str(m.id) == remote)
                for m in view.messages
            ],
            "version": _version(view.messages),
            "remote_message": remote,
        }

    def _message(self, org: str, message: str) -> tuple[UUID, MessageView]:
        org_id = _uuid(org)
        return org_id, mailbox.get_message(self._container.uow, org_id, _uuid(message))

    def _raw(self, request: ConsoleRequest, origin: str, org: str, message: str) -> ProxyResult:
        _, found = self._message(org, message)
        if found.raw_storage_key is None:
            raise _Refused(HTTPStatus.NOT_FOUND, "this message has no stored raw form")
        raw = self._container.blobs.get(found.raw_storage_key)
        return _result(HTTPStatus.OK, "text/plain; charset=utf-8", raw, DOWNLOAD_POLICY)

    def _attachment(
        self, request: ConsoleRequest, origin: str, org: str, message: str, attachment: str
    ) -> ProxyResult:
        _, found = self._message(org, message)
        wanted = _uuid(attachment)
        part = next((a for a in found.attachments if a.id == wanted), None)
        if part is None or found.quarantined:
            raise _Refused(HTTPStatus.NOT_FOUND, "no such attachment")
        content = self._container.blobs.get(part.storage_key)
        name = part.filename or f"{part.id}"
        result = _result(HTTPStatus.OK, "application/octet-stream", content, DOWNLOAD_POLICY)
        result.headers.append(
            ("Content-Disposition", f"attachment; filename*=UTF-8''{quote(name, safe='')}")
        )
        return result

    def _inline(
        self, request: ConsoleRequest, origin: str, org: str, message: str, content_id: str
    ) -> ProxyResult:
        """An image a message's HTML names by `cid:`, from the message's own parts."""
        _, found = self._message(org, message)
        wanted = unquote(content_id)
        part = next(
            (
                a
                for a in found.attachments
                if a.content_id is not None
                and a.content_id.strip("<>") == wanted
                and a.content_type.lower() in INLINE_IMAGE_TYPES
            ),
            None,
        )
        if part is None or found.quarantined:
            raise _Refused(HTTPStatus.NOT_FOUND, "no such image")
        content = self._container.blobs.get(part.storage_key)
        return _result(HTTPStatus.OK, part.content_type.lower(), content, DOWNLOAD_POLICY)

    def _outbox(self, request: ConsoleRequest, origin: str, org: str) -> ProxyResult:
        org_id = _uuid(org)
        every = PageRequest(limit=MAX_LIMIT)
        sent: list[MessageView] = []
        for inbox in inboxes.list_inboxes(self._container.uow, org_id, every).items:
            sent.extend(
                mailbox.list_messages(
                    self._container.uow,
                    org_id,
                    inbox.id,
                    PageRequest(limit=OUTBOX_SHOWN),
                    quarantined=False,
                    filters=MailboxFilter(direction=Direction.OUTBOUND),
                ).items
            )
        sent.sort(key=lambda m: m.created_at, reverse=True)
        return self._page("outbox.html", org_id=org_id, messages=sent[:OUTBOX_SHOWN])

    def _events(self, request: ConsoleRequest, origin: str, org: str) -> ProxyResult:
        org_id = _uuid(org)
        page = events.latest_events(self._container.uow, org_id, EVENTS_SHOWN)
        shown = [_event(e) for e in page.events]
        return self._page("events.html", org_id=org_id, events=shown, cursor=page.cursor)

    def _events_json(self, request: ConsoleRequest, origin: str, org: str) -> ProxyResult:
        """The events after `after` (the page's cursor), for the open page to add; without
        one, the log's last events, as the page shows them."""
        org_id = _uuid(org)
        after = request.param("after")
        if after is None:
            page = events.latest_events(self._container.uow, org_id, EVENTS_SHOWN)
        else:
            page = events.read_events(self._container.uow, org_id, after=after, limit=MAX_LIMIT)
        shown = [_event(e) for e in page.events]
        body = json.dumps({"events": shown, "cursor": page.cursor}).encode()
        return _result(HTTPStatus.OK, "application/json", body, _policy())

    def _compose(self, request: ConsoleRequest, origin: str, org: str) -> ProxyResult:
        org_id = _uuid(org)
        return self._compose_page(org_id, {}, None, HTTPStatus.OK)

    def _compose_page(
        self, org_id: UUID, given: dict[str, str], error: str | None, status: HTTPStatus
    ) -> ProxyResult:
        every = PageRequest(limit=MAX_LIMIT)
        return self._page(
            "compose.html",
            status=status,
            org_id=org_id,
            inboxes=inboxes.list_inboxes(self._container.uow, org_id, every).items,
            given=given,
            error=error,
        )

    def _send(self, request: ConsoleRequest, origin: str, org: str) -> ProxyResult:
        if request.headers.get("origin") != origin:
            raise _Refused(HTTPStatus.FORBIDDEN, "a console form posts only from the console")
        org_id = _uuid(org)
        given = request.form()
        to = tuple(a.strip() for a in given.get("to", "").split(",") if a.strip())
        try:
            submitted = sending.send(
                self._container.sending,
                org_id,
                _uuid(given.get("inbox", "")),
                sending.Compose(
                    to=to, subject=given.get("subject") or None, text=given.get("text") or None
                ),
            )
        except DomainError as refused:
            where = f"{refused.field}: " if refused.field else ""
            return self._compose_page(
                org_id, given, where + refused.message, HTTPStatus.BAD_REQUEST
            )
        thread = submitted.message.thread_id
        return _redirect(f"{PREFIX}/orgs/{org_id}/threads/{thread}")


# -- what a page shows of a message ----------------------------------------------------


def _shown_message(
    org_id: UUID, message: MessageView, origin: str, *, remote_images: bool
) -> dict[str, Any]:
    base = f"{PREFIX}/orgs/{org_id}/messages/{message.id}"
    cids = [
        a.content_id.strip("<>")
        for a in message.attachments
        if a.content_id and a.content_type.lower() in INLINE_IMAGE_TYPES
    ]
    images = {cid: f"{origin}{base}/inline/{quote(cid, safe='')}" for cid in cids}
    document = None
    if message.html_body is not None:
        document = mail_document(
            message.html_body,
            origin=origin,
            inline_image=images.get,
            remote_images=remote_images,
        )
    return {
        "view": message,
        "base": base,
        "document": document,
        "remote_images": remote_images,
        "remote_link": "?" + urlencode({"remote": str(message.id)}),
    }


def _version(messages: tuple[MessageView, ...]) -> str:
    """Changes when a message arrives or a delivery status moves."""
    state = [[str(m.id), m.status, [[r.address, r.status] for r in m.recipients]] for m in messages]
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()[:16]


def _event(event: Any) -> dict[str, Any]:
    payload = json.dumps(event.payload, sort_keys=True)
    if len(payload) > PAYLOAD_CHARS:
        payload = payload[:PAYLOAD_CHARS] + "…"
    return {
        "seq": event.seq,
        "type": event.type,
        "subject_id": str(event.subject_id) if event.subject_id else "",
        "created_at": event.created_at.isoformat(timespec="seconds"),
        "payload": payload,
    }


# -- HTTP ------------------------------------------------------------------------------


def _origin(request: ConsoleRequest) -> str:
    """The console's origin as the browser names it, if it names a loopback host."""
    host = request.headers.get("host") or ""
    name = host.rpartition(":")[0] if re.search(r":\d+$", host) else host
    if name.lower() not in LOOPBACK_NAMES:
        raise _Refused(HTTPStatus.FORBIDDEN, "the console answers only at 127.0.0.1 or localhost")
    return f"http://{host}"


def _policy(remote_images: bool = False) -> str:
    return PAGE_POLICY.format(remote=" http: https:" if remote_images else "")


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError as exc:
        raise _Refused(HTTPStatus.NOT_FOUND, "no such page") from exc


def _result(status: HTTPStatus, content_type: str, body: bytes, policy: str) -> ProxyResult:
    return ProxyResult(
        int(status),
        [
            ("Content-Type", content_type),
            ("Content-Security-Policy", policy),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            # A form's POST names its origin only when the policy lets the origin be sent.
            ("Referrer-Policy", "same-origin"),
            ("Cache-Control", "no-store"),
        ],
        body,
    )


def _text(status: HTTPStatus, message: str) -> ProxyResult:
    return _result(status, "text/plain; charset=utf-8", message.encode(), DOWNLOAD_POLICY)


def _redirect(location: str) -> ProxyResult:
    result = _result(HTTPStatus.SEE_OTHER, "text/plain; charset=utf-8", b"", DOWNLOAD_POLICY)
    result.headers.append(("Location", location))
    return result
