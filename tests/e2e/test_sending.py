"""Sending on the local platform over real HTTP: SES played behind moto delivers mail between
local inboxes (a reply threads on both sides), files the simulator's events, keeps an outbox;
large files go up through a presigned PUT; drafts and scheduled sends."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from uuid import UUID

import httpx
import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.drafts import drafts_create, drafts_list, drafts_send, drafts_update
from mailman_client.api.mail import messages_get, messages_list
from mailman_client.api.sending import (
    attachments_upload,
    messages_cancel,
    messages_reply,
    messages_reschedule,
    messages_send,
)
from mailman_client.models import (
    AttachmentIn,
    DraftIn,
    ListOfMessageOut,
    MessageOut,
    ReplyIn,
    RescheduleIn,
    SendIn,
    UploadIn,
    UploadOut,
)

from tests.e2e.conftest import (
    REPO_ROOT,
    LocalPlatform,
    ok,
    poll,
    quickstart_inbox,
    running_platform,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(
        tmp_path_factory,
        "send",
        {"MAILMAN_QUICKSTART": "1", "MAILMAN_DISPATCHER_SECONDS": "1"},
    ) as running:
        yield running


@pytest.fixture(scope="module")
def alice(api: AuthenticatedClient) -> UUID:
    return quickstart_inbox(api, "alice")


@pytest.fixture(scope="module")
def bob(api: AuthenticatedClient) -> UUID:
    return quickstart_inbox(api, "bob")


def _messages(api: AuthenticatedClient, inbox_id: UUID) -> list[MessageOut]:
    return ok(ListOfMessageOut, messages_list.sync(inbox_id, client=api)).data


def _status(api: AuthenticatedClient, message_id: UUID) -> str | None:
    return ok(MessageOut, messages_get.sync(message_id, client=api)).status


def _send(api: AuthenticatedClient, inbox_id: UUID, body: SendIn) -> MessageOut:
    return ok(MessageOut, messages_send.sync(inbox_id, client=api, body=body))


def test_a_reply_between_two_local_inboxes_threads_on_both_sides(
    api: AuthenticatedClient, alice: UUID, bob: UUID
) -> None:
    original = _send(
        api, alice, SendIn(to=["bob@mailman.test"], subject="Lunch?", text="Noon on Friday?")
    )

    assert poll(lambda: len(_messages(api, bob)) == 1, timeout=15, interval=0.3)
    assert poll(lambda: _status(api, original.id) == "delivered", timeout=15, interval=0.3)
    received = _messages(api, bob)[0]
    reply = ok(
        MessageOut,
        messages_reply.sync(received.id, client=api, body=ReplyIn(text="Yes, noon works.")),
    )

    def alice_has_the_reply() -> bool:
        return len(_messages(api, alice)) == 2

    assert poll(alice_has_the_reply, timeout=15, interval=0.3)
    answer = next(m for m in _messages(api, alice) if m.direction == "inbound")
    assert answer.thread_id == original.thread_id
    assert answer.match_reason == "in_reply_to"
    assert reply.thread_id == received.thread_id
    assert answer.subject == "Re: Lunch?"


def test_an_idempotent_retry_over_http_sends_once(api: AuthenticatedClient, alice: UUID) -> None:
    body = SendIn(to=["success@simulator.amazonses.com"], subject="Once", text="x")

    first = messages_send.sync_detailed(alice, client=api, body=body, idempotency_key="e2e-once")
    again = messages_send.sync_detailed(alice, client=api, body=body, idempotency_key="e2e-once")

    assert first.status_code == again.status_code == HTTPStatus.ACCEPTED
    sent = ok(MessageOut, first.parsed)
    assert ok(MessageOut, again.parsed).id == sent.id
    assert again.headers["Idempotent-Replayed"] == "true"
    assert poll(lambda: _status(api, sent.id) == "delivered", timeout=15, interval=0.3)


def test_a_large_file_goes_up_by_presigned_put_and_out_attached(
    platform: LocalPlatform, api: AuthenticatedClient, alice: UUID
) -> None:
    upload = ok(UploadOut, attachments_upload.sync(client=api, body=UploadIn(filename="big.bin")))
    content = os.urandom(5 * 2**20)
    put = httpx.put(
        upload.upload_url, content=content, headers={"Content-Type": upload.content_type}
    )
    assert put.status_code == 200, put.text

    sent = _send(
        api,
        alice,
        SendIn(
            to=["carol@elsewhere.example"],
            subject="The file",
            text="Attached.",
            attachments=[AttachmentIn(filename="big.bin", attachment_id=upload.id)],
        ),
    )

    assert sent.attachments[0].size_bytes == len(content)
    assert poll(lambda: _status(api, sent.id) == "delivered", timeout=20, interval=0.3)
    listing = subprocess.run(
        [sys.executable, "-m", "local.cli", "outbox"],
        cwd=REPO_ROOT,
        env={**os.environ, "MAILMAN_LOCAL_DIR": str(platform.local_dir)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "carol@elsewhere.example" in listing
    assert "The file" in listing


def test_a_draft_reply_is_written_changed_and_sent_into_the_thread(
    api: AuthenticatedClient, alice: UUID, bob: UUID
) -> None:
    sent = _send(
        api, alice, SendIn(to=["bob@mailman.test"], subject="Budget", text="Numbers by Monday?")
    )
    assert poll(lambda: _received(api, bob, "Budget") is not None, timeout=15, interval=0.3)
    received = _received(api, bob, "Budget")
    assert received is not None

    draft = ok(
        MessageOut,
        drafts_create.sync(bob, client=api, body=DraftIn(in_reply_to=received.id, text="Maybe.")),
    )
    ok(MessageOut, drafts_update.sync(draft.id, client=api, body=SendIn(text="Yes, Monday.")))
    drafts = ok(ListOfMessageOut, drafts_list.sync(bob, client=api)).data
    assert [d.id for d in drafts] == [draft.id]
    out = ok(MessageOut, drafts_send.sync(draft.id, client=api))

    assert out.thread_id == received.thread_id
    assert poll(lambda: _received(api, alice, "Re: Budget") is not None, timeout=15, interval=0.3)
    answer = _received(api, alice, "Re: Budget")
    assert answer is not None
    assert answer.thread_id == sent.thread_id
    assert (answer.text or "").startswith("Yes, Monday.")


def _received(api: AuthenticatedClient, inbox_id: UUID, subject: str) -> MessageOut | None:
    return next(
        (m for m in _messages(api, inbox_id) if m.direction == "inbound" and m.subject == subject),
        None,
    )


def test_scheduled_mail_goes_at_its_time_and_can_be_cancelled_or_moved(
    api: AuthenticatedClient, alice: UUID
) -> None:
    now = datetime.now(UTC)

    def schedule(subject: str, at: datetime) -> UUID:
        body = SendIn(to=["success@simulator.amazonses.com"], text="x", subject=subject, send_at=at)
        scheduled = _send(api, alice, body)
        assert scheduled.status == "scheduled"
        return scheduled.id

    soon = schedule("Soon", now + timedelta(seconds=3))
    cancelled = schedule("Cancelled", now + timedelta(hours=1))
    moved = schedule("Moved", now + timedelta(hours=1))

    assert ok(MessageOut, messages_cancel.sync(cancelled, client=api)).status == "cancelled"
    ok(MessageOut, messages_reschedule.sync(moved, client=api, body=RescheduleIn(send_at=None)))

    assert poll(lambda: _status(api, soon) == "delivered", timeout=20, interval=0.5)
    assert poll(lambda: _status(api, moved) == "delivered", timeout=20, interval=0.5)
    assert _status(api, cancelled) == "cancelled"
