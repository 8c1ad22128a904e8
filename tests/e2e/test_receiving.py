"""Mail sent with smtplib to the local SMTP port appears, threaded, over the API."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from email.message import EmailMessage
from uuid import UUID

import httpx
import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.mail import messages_raw, threads_get, threads_list
from mailman_client.models import LinkOut, ListOfThreadOut, ThreadOut, ThreadWithMessagesOut

from tests.e2e.conftest import (
    Launcher,
    LocalPlatform,
    ok,
    poll,
    quickstart_inbox,
    running_platform,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    """Started as `make dev` starts it, but for the quick start: its browser origins are the
    dev stage's (cdk.json), which the CORS tests below use."""
    with running_platform(tmp_path_factory, "receive", {"MAILMAN_QUICKSTART": "1"}) as running:
        yield running


@pytest.fixture(scope="module")
def inbox_id(api: AuthenticatedClient) -> UUID:
    return quickstart_inbox(api, "hello")


def _smtp_port(platform: LocalPlatform) -> int:
    address = platform.printed("SMTP")
    assert address is not None, platform.output
    return int(address.rpartition(":")[2])


def _send(platform: LocalPlatform, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", _smtp_port(platform), timeout=10) as smtp:
        smtp.send_message(message)


def _message(subject: str, message_id: str, in_reply_to: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Alice <alice@elsewhere.example>"
    message["To"] = "hello@mailman.test"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content("Hi!\n\nOn Friday, Bob wrote:\n> the old text\n")
    return message


def _threads(api: AuthenticatedClient, inbox_id: UUID) -> list[ThreadOut]:
    return ok(ListOfThreadOut, threads_list.sync(inbox_id, client=api)).data


def _raw(api: AuthenticatedClient, message_id: UUID) -> httpx.Response:
    """The message as it arrived, downloaded from the short-lived link the API answers."""
    return httpx.get(ok(LinkOut, messages_raw.sync(message_id, client=api)).url)


def test_mail_sent_over_smtp_appears_threaded_within_two_seconds(
    platform: LocalPlatform, api: AuthenticatedClient, inbox_id: UUID
) -> None:
    sent_at = time.monotonic()
    _send(platform, _message("Hello there", "<first@elsewhere.example>"))

    arrived = poll(lambda: len(_threads(api, inbox_id)) == 1, timeout=2, interval=0.2)
    elapsed = time.monotonic() - sent_at

    assert arrived, f"not listed after {elapsed:.1f} s"
    thread = _threads(api, inbox_id)[0]
    assert thread.subject == "Hello there"
    assert thread.message_count == 1


def test_a_reply_joins_the_same_thread(
    platform: LocalPlatform, api: AuthenticatedClient, inbox_id: UUID
) -> None:
    _send(
        platform,
        _message("Re: Hello there", "<second@elsewhere.example>", "<first@elsewhere.example>"),
    )

    joined = poll(
        lambda: [t.message_count for t in _threads(api, inbox_id)] == [2],
        timeout=5,
        interval=0.3,
    )

    threads = _threads(api, inbox_id)
    assert joined
    assert len(threads) == 1
    detail = ok(ThreadWithMessagesOut, threads_get.sync(threads[0].id, client=api))
    reply = detail.messages[1]
    assert reply.match_reason == "in_reply_to"
    assert (reply.extracted_text or "").strip() == "Hi!"


def test_browsers_of_the_configured_origin_may_read_answers_and_refusals(
    platform: LocalPlatform, client: httpx.Client
) -> None:
    origin = {"Origin": "http://localhost:3000"}

    answer = client.get("/domains", headers=origin)
    refusal = httpx.get(f"{platform.base_url}/domains", headers=origin)
    stranger = client.get("/domains", headers={"Origin": "http://evil.example"})

    assert answer.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "X-Trace-Id" in answer.headers["access-control-expose-headers"]
    assert refusal.status_code == 401
    assert refusal.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "access-control-allow-origin" not in stranger.headers


def test_a_browser_preflight_is_answered_without_a_key(platform: LocalPlatform) -> None:
    preflight = httpx.options(
        f"{platform.base_url}/domains",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()


def test_mail_for_a_domain_that_is_not_ours_is_refused(platform: LocalPlatform) -> None:
    message = _message("Lost", "<lost@elsewhere.example>")
    message.replace_header("To", "someone@not-ours.example")

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(platform, message)

    assert refused.value.recipients["someone@not-ours.example"][0] == 550


def test_a_restart_keeps_the_mail_and_its_raw_form(
    platform: LocalPlatform, api: AuthenticatedClient, inbox_id: UUID, launch: Launcher
) -> None:
    thread = _threads(api, inbox_id)[0]
    message_id = ok(ThreadWithMessagesOut, threads_get.sync(thread.id, client=api)).messages[0].id
    before = _raw(api, message_id).content

    assert platform.interrupt() == 0
    again = launch(platform.local_dir, platform.ports, platform.extra_env)
    with again.api(platform.api_key) as restarted:
        after = _raw(restarted, message_id)

    assert b"Subject: Hello there" in before
    assert after.status_code == 200
    assert after.content == before
