"""The web console of `make dev` in a real browser (Debian's Chromium driven by Playwright):
hostile mail shows with no script run and nothing fetched from elsewhere until the reader
asks for remote images; a message composed in the console goes out, shows its delivery in
the outbox, and its reply, arriving over SMTP, appears in the open thread; the event log
follows live."""

from __future__ import annotations

import re
import smtplib
import struct
import threading
import zlib
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.mail import threads_get, threads_list
from mailman_client.models import ListOfThreadOut, ThreadOut, ThreadWithMessagesOut
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Page,
    Request,
    expect,
    sync_playwright,
)

from tests.e2e.browser import launch_chromium
from tests.e2e.conftest import HOST, LocalPlatform, ok, poll, quickstart_inbox, running_platform

pytestmark = pytest.mark.e2e

MARKER = "console-test-pwned"
WAIT_MS = 20_000
"""How long the browser waits for what a test expects (mail arrives over queues)."""
expect.set_options(timeout=WAIT_MS)
GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


class Tracker(ThreadingHTTPServer):
    """A web server elsewhere (another port is another origin): counts what it is asked."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__((HOST, 0), _TrackerHandler)
        self.hits: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"

    def start(self) -> Tracker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()


class _TrackerHandler(BaseHTTPRequestHandler):
    server: Tracker

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self) -> None:
        self.server.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", str(len(GIF)))
        self.end_headers()
        self.wfile.write(GIF)

    do_GET = do_POST = _answer


def hostile_html(tracker: str) -> str:
    """Every way a message's HTML might run a script or fetch from elsewhere. Each script
    leaves the marker, says so in the console, opens a dialog and calls the tracker."""
    run = (
        f"document.documentElement.dataset.pwned='{MARKER}';window.top.name='{MARKER}';"
        f"console.log('{MARKER}');alert('{MARKER}');fetch('{tracker}/fetch')"
    )
    return f"""<html><head>
<meta http-equiv="refresh" content="0;url={tracker}/refresh">
<style>body {{ background: url({tracker}/style-tag.gif) }}</style>
<script>{run}</script>
<link rel="stylesheet" href="{tracker}/sheet.css">
</head><body onload="{run}">
<p>A message from a hostile sender.</p>
<img src="{tracker}/track.gif" alt="tracking pixel" onload="{run}" onerror="{run}">
<img src="x-nowhere" onerror="{run}">
<a href="javascript:{run}">click me</a>
<div style="background-image: url({tracker}/css.gif); color: #223">styled</div>
<iframe src="{tracker}/frame"></iframe>
<iframe srcdoc="<script>{run}</script>"></iframe>
<form action="{tracker}/form" method="post"><input name="q" value="1"><button>Go</button></form>
<svg><script>{run}</script><image href="{tracker}/svg.gif"/></svg>
<object data="{tracker}/object"></object><embed src="{tracker}/embed">
<video poster="{tracker}/poster.gif"></video>
</body></html>"""


def _smtp(platform: LocalPlatform, message: EmailMessage) -> None:
    port = int((platform.printed("SMTP") or "").rpartition(":")[2])
    with smtplib.SMTP(HOST, port, timeout=10) as smtp:
        smtp.send_message(message)


def _mail(subject: str, html: str | None = None, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Mallory <mallory@elsewhere.example>"
    message["To"] = "console@mailman.test"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("The text part.")
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(
        tmp_path_factory,
        "console",
        {"MAILMAN_QUICKSTART": "1", "MAILMAN_DISPATCHER_SECONDS": "1"},
    ) as running:
        yield running


@pytest.fixture(scope="module")
def inbox_id(api: AuthenticatedClient) -> UUID:
    return quickstart_inbox(api, "console")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


@pytest.fixture
def tracker() -> Iterator[Tracker]:
    server = Tracker().start()
    yield server
    server.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    yield opened
    context.close()


def console_url(platform: LocalPlatform) -> str:
    url = platform.printed("Console")
    assert url is not None, platform.output
    return url


def _thread_of(api: AuthenticatedClient, inbox_id: UUID, subject: str) -> ThreadOut | None:
    threads = ok(ListOfThreadOut, threads_list.sync(inbox_id, client=api)).data
    return next((t for t in threads if t.subject == subject), None)


def test_the_console_opens_on_the_organisation_its_domains_dns_status_and_inboxes(
    platform: LocalPlatform, inbox_id: UUID, page: Page
) -> None:
    page.goto(console_url(platform))

    expect(page).to_have_url(re.compile(f"/orgs/{platform.organization_id}$"))
    domain = page.locator("section.domain", has_text="mailman.test")
    expect(domain.locator("h3 .status")).to_have_text("verified")
    expect(domain.locator(".check.ok")).to_have_count(4)
    expect(domain.locator("table.records tbody tr").first).to_contain_text("verified")
    page.get_by_role("link", name="console@mailman.test").click()
    expect(page).to_have_url(re.compile(f"/inboxes/{inbox_id}$"))
    expect(page.get_by_role("heading", name="console@mailman.test")).to_be_visible()


def test_hostile_html_runs_no_script_and_fetches_nothing_until_remote_images_are_asked_for(
    platform: LocalPlatform,
    api: AuthenticatedClient,
    inbox_id: UUID,
    page: Page,
    tracker: Tracker,
) -> None:
    _smtp(platform, _mail("Hostile", hostile_html(tracker.url)))
    assert poll(lambda: _thread_of(api, inbox_id, "Hostile") is not None, timeout=20)
    inbox_page = f"{console_url(platform)}/orgs/{platform.organization_id}/inboxes/{inbox_id}"
    dialogs: list[str] = []
    said: list[str] = []
    requested: list[str] = []

    def dialog(d: Dialog) -> None:
        dialogs.append(d.message)
        d.dismiss()

    def console(message: ConsoleMessage) -> None:
        said.append(message.text)

    def request(r: Request) -> None:
        requested.append(r.url)

    page.on("dialog", dialog)
    page.on("console", console)
    page.on("request", request)

    page.goto(inbox_page)
    expect(page.get_by_role("link", name="Hostile")).to_be_visible()
    page.get_by_role("link", name="Hostile").click()
    frame_element = page.locator("iframe.body")
    expect(frame_element).to_be_visible()
    mail = frame_element.content_frame
    expect(mail.get_by_text("A message from a hostile sender.")).to_be_visible()
    expect(mail.get_by_text("styled")).to_be_visible()
    mail.get_by_text("click me").click()
    page.wait_for_timeout(1500)  # a second poll of the open page, and time for any late load

    assert dialogs == []
    assert not [text for text in said if MARKER in text]
    for frame in page.frames:
        assert frame.locator("html").get_attribute("data-pwned") is None, frame.url
        assert frame.evaluate("() => window.name") != MARKER, frame.url
    origin = console_url(platform).removesuffix("/console")
    elsewhere = [u for u in requested if not u.startswith((origin + "/", "data:", "about:"))]
    assert elsewhere == []
    assert tracker.hits == []
    expect(page.get_by_text("1 remote image blocked.")).to_be_visible()

    page.get_by_role("link", name="Load remote images").click()

    expect(page.get_by_text("remote image blocked")).to_have_count(0)
    assert poll(lambda: tracker.hits != [], timeout=10), "the remote image was never loaded"
    page.wait_for_timeout(1500)
    assert tracker.hits == ["/track.gif"]
    assert dialogs == []
    assert not [text for text in said if MARKER in text]


def test_mail_composed_in_the_console_goes_out_and_its_reply_appears_in_the_open_thread(
    platform: LocalPlatform, api: AuthenticatedClient, inbox_id: UUID, page: Page
) -> None:
    org_url = f"{console_url(platform)}/orgs/{platform.organization_id}"
    page.goto(f"{org_url}/compose")
    page.get_by_label("From").select_option(label="console@mailman.test")
    page.get_by_label("To").fill("carol@elsewhere.example")
    page.get_by_label("Subject").fill("From the console")
    page.get_by_label("Text").fill("Sent from a browser.")

    page.get_by_role("button", name="Send").click()

    expect(page).to_have_url(re.compile(r"/threads/[0-9a-f-]+$"))
    thread_url = page.url
    expect(page.locator("article.message")).to_have_count(1)
    expect(page.locator("article.message pre.body")).to_have_text("Sent from a browser.")
    sent = _thread_of(api, inbox_id, "From the console")
    assert sent is not None
    message = ok(ThreadWithMessagesOut, threads_get.sync(sent.id, client=api)).messages[0]
    page.goto(f"{org_url}/outbox")
    row = page.locator(f"#sent-{message.id}")
    expect(row).to_contain_text("carol@elsewhere.example")
    assert poll(lambda: _delivered(page, row), timeout=20, interval=0.5)

    page.goto(thread_url)
    expect(page.locator("article.message")).to_have_count(1)
    replied = message.message_id
    reply = _mail(
        "Re: From the console",
        Message_ID="<reply-1@elsewhere.example>",
        In_Reply_To=replied,
        References=replied,
    )
    reply.replace_header("From", "Carol <carol@elsewhere.example>")
    _smtp(platform, reply)

    expect(page.locator("article.message")).to_have_count(2)
    expect(page.locator("article.message.inbound")).to_contain_text("carol@elsewhere.example")
    assert page.url == thread_url


def _delivered(page: Page, row: Any) -> bool:
    if "delivered" in (row.inner_text() or ""):
        return True
    page.reload()
    return False


def test_the_event_log_shows_a_new_event_live(
    platform: LocalPlatform, inbox_id: UUID, page: Page
) -> None:
    page.goto(f"{console_url(platform)}/orgs/{platform.organization_id}/events")
    expect(page.locator("#events tbody tr").first).to_be_visible()
    live = page.locator("#events tbody tr", has_text="Followed live")
    expect(live).to_have_count(0)

    _smtp(platform, _mail("Followed live", Message_ID="<live-1@elsewhere.example>"))

    expect(live).to_have_count(1)
    expect(live).to_contain_text("message.received")


def _png() -> bytes:
    """A red PNG, two pixels square."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_inline_images_attachments_and_raw_source_come_from_the_console(
    platform: LocalPlatform, api: AuthenticatedClient, inbox_id: UUID, page: Page
) -> None:
    message = _mail(
        "With parts",
        '<p>Our logo: <img src="cid:logo@elsewhere.example" alt="logo"></p>',
        Message_ID="<parts-1@elsewhere.example>",
    )
    html_part = message.get_body(("html",))
    assert html_part is not None
    html_part.add_related(_png(), "image", "png", cid="<logo@elsewhere.example>")
    message.add_attachment(b"name,total\nalice,3\n", "text", "csv", filename="orders.csv")
    _smtp(platform, message)
    assert poll(lambda: _thread_of(api, inbox_id, "With parts") is not None, timeout=20)
    thread = _thread_of(api, inbox_id, "With parts")
    assert thread is not None

    page.goto(f"{console_url(platform)}/orgs/{platform.organization_id}/threads/{thread.id}")

    logo = page.locator("iframe.body").content_frame.get_by_alt_text("logo")
    expect(logo).to_be_visible()
    logo.evaluate("img => img.decode()")
    assert logo.evaluate("img => img.naturalWidth") == 2
    origin = console_url(platform).removesuffix("/console")
    with page.expect_download() as started:
        page.get_by_role("link", name="orders.csv").click()
    download = started.value
    assert download.suggested_filename == "orders.csv"
    assert Path(download.path()).read_bytes() == b"name,total\nalice,3\n"
    source = page.get_by_role("link", name="Raw source").get_attribute("href")
    assert source is not None
    raw = httpx.get(origin + source)
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "text/plain; charset=utf-8"
    assert "Message-ID: <parts-1@elsewhere.example>" in raw.text


def test_the_console_answers_only_its_own_names_and_origin(
    platform: LocalPlatform, api: AuthenticatedClient, inbox_id: UUID
) -> None:
    compose = f"{console_url(platform)}/orgs/{platform.organization_id}/compose"
    form = {
        "inbox": str(inbox_id),
        "to": "dave@elsewhere.example",
        "subject": "Forged",
        "text": "x",
    }
    own = console_url(platform).removesuffix("/console")

    rebound = httpx.get(compose, headers={"Host": "mail.attacker.example"})
    forged = httpx.post(compose, data=form, headers={"Origin": "http://attacker.example"})
    unnamed = httpx.post(compose, data=form)
    page = httpx.get(compose)

    assert rebound.status_code == 403
    assert forged.status_code == 403
    assert unnamed.status_code == 403
    assert _thread_of(api, inbox_id, "Forged") is None
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    sent = httpx.post(compose, data=form, headers={"Origin": own})
    assert sent.status_code == 303
    assert _thread_of(api, inbox_id, "Forged") is not None


def test_a_made_up_cursor_or_page_token_is_a_400_and_no_traceback(
    platform: LocalPlatform, inbox_id: UUID
) -> None:
    org = f"{console_url(platform)}/orgs/{platform.organization_id}"

    events = httpx.get(f"{org}/events.json", params={"after": "garbage"})
    threads = httpx.get(f"{org}/inboxes/{inbox_id}", params={"page_token": "garbage"})

    assert events.status_code == 400
    assert "cursor" in events.text
    assert threads.status_code == 400
    assert "Traceback" not in platform.output
