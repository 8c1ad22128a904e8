"""Sending on the local platform over real HTTP: SES played behind moto delivers mail between
local inboxes (a reply threads on both sides), files the simulator's events, keeps an outbox;
large files go up through a presigned PUT; drafts and scheduled sends."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import REPO_ROOT, LocalPlatform, poll, quickstart_inbox, running_platform

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
def alice(client: httpx.Client) -> str:
    return quickstart_inbox(client, "alice")


@pytest.fixture(scope="module")
def bob(client: httpx.Client) -> str:
    return quickstart_inbox(client, "bob")


def _messages(client: httpx.Client, inbox_id: str) -> list[dict[str, Any]]:
    return list(client.get(f"/inboxes/{inbox_id}/messages").json()["data"])


def _status(client: httpx.Client, message_id: str) -> str:
    return str(client.get(f"/messages/{message_id}").json()["status"])


def test_a_reply_between_two_local_inboxes_threads_on_both_sides(
    client: httpx.Client, alice: str, bob: str
) -> None:
    sent = client.post(
        f"/inboxes/{alice}/messages",
        json={"to": ["bob@mailman.test"], "subject": "Lunch?", "text": "Noon on Friday?"},
    )
    assert sent.status_code == 202, sent.text
    original = sent.json()

    assert poll(lambda: len(_messages(client, bob)) == 1, timeout=15, interval=0.3)
    assert poll(lambda: _status(client, original["id"]) == "delivered", timeout=15, interval=0.3)
    received = _messages(client, bob)[0]
    reply = client.post(f"/messages/{received['id']}/reply", json={"text": "Yes, noon works."})
    assert reply.status_code == 202, reply.text

    def alice_has_the_reply() -> bool:
        return len(_messages(client, alice)) == 2

    assert poll(alice_has_the_reply, timeout=15, interval=0.3)
    answer = next(m for m in _messages(client, alice) if m["direction"] == "inbound")
    assert answer["thread_id"] == original["thread_id"]
    assert answer["match_reason"] == "in_reply_to"
    assert reply.json()["thread_id"] == received["thread_id"]
    assert answer["subject"] == "Re: Lunch?"


def test_an_idempotent_retry_over_http_sends_once(client: httpx.Client, alice: str) -> None:
    body = {"to": ["success@simulator.amazonses.com"], "subject": "Once", "text": "x"}
    headers = {"Idempotency-Key": "e2e-once"}

    first = client.post(f"/inboxes/{alice}/messages", json=body, headers=headers)
    again = client.post(f"/inboxes/{alice}/messages", json=body, headers=headers)

    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert poll(
        lambda: _status(client, first.json()["id"]) == "delivered", timeout=15, interval=0.3
    )


def test_a_large_file_goes_up_by_presigned_put_and_out_attached(
    platform: LocalPlatform, client: httpx.Client, alice: str
) -> None:
    upload = client.post("/attachments", json={"filename": "big.bin"}).json()
    content = os.urandom(5 * 2**20)
    put = httpx.put(
        upload["upload_url"], content=content, headers={"Content-Type": upload["content_type"]}
    )
    assert put.status_code == 200, put.text

    sent = client.post(
        f"/inboxes/{alice}/messages",
        json={
            "to": ["carol@elsewhere.example"],
            "subject": "The file",
            "text": "Attached.",
            "attachments": [{"filename": "big.bin", "attachment_id": upload["id"]}],
        },
    )

    assert sent.status_code == 202, sent.text
    assert sent.json()["attachments"][0]["size_bytes"] == len(content)
    assert poll(lambda: _status(client, sent.json()["id"]) == "delivered", timeout=20, interval=0.3)
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
    client: httpx.Client, alice: str, bob: str
) -> None:
    sent = client.post(
        f"/inboxes/{alice}/messages",
        json={"to": ["bob@mailman.test"], "subject": "Budget", "text": "Numbers by Monday?"},
    ).json()
    assert poll(lambda: _received(client, bob, "Budget"), timeout=15, interval=0.3)
    received = _received(client, bob, "Budget")
    assert received is not None

    draft = client.post(
        f"/inboxes/{bob}/drafts", json={"in_reply_to": received["id"], "text": "Maybe."}
    ).json()
    changed = client.patch(f"/drafts/{draft['id']}", json={"text": "Yes, Monday."})
    assert changed.status_code == 200, changed.text
    assert [d["id"] for d in client.get(f"/inboxes/{bob}/drafts").json()["data"]] == [draft["id"]]
    out = client.post(f"/drafts/{draft['id']}/send")

    assert out.status_code == 202, out.text
    assert out.json()["thread_id"] == received["thread_id"]
    assert poll(lambda: _received(client, alice, "Re: Budget"), timeout=15, interval=0.3)
    answer = _received(client, alice, "Re: Budget")
    assert answer is not None
    assert answer["thread_id"] == sent["thread_id"]
    assert answer["text"].startswith("Yes, Monday.")


def _received(client: httpx.Client, inbox_id: str, subject: str) -> dict[str, Any] | None:
    return next(
        (
            m
            for m in _messages(client, inbox_id)
            if m["direction"] == "inbound" and m["subject"] == subject
        ),
        None,
    )


def test_scheduled_mail_goes_at_its_time_and_can_be_cancelled_or_moved(
    client: httpx.Client, alice: str
) -> None:
    now = datetime.now(UTC)
    body = {"to": ["success@simulator.amazonses.com"], "text": "x"}

    def schedule(subject: str, at: datetime) -> str:
        answer = client.post(
            f"/inboxes/{alice}/messages",
            json={**body, "subject": subject, "send_at": at.isoformat()},
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "scheduled"
        return str(answer.json()["id"])

    soon = schedule("Soon", now + timedelta(seconds=3))
    cancelled = schedule("Cancelled", now + timedelta(hours=1))
    moved = schedule("Moved", now + timedelta(hours=1))

    assert client.post(f"/messages/{cancelled}/cancel").json()["status"] == "cancelled"
    answer = client.post(f"/messages/{moved}/reschedule", json={"send_at": None})
    assert answer.status_code == 200, answer.text

    assert poll(lambda: _status(client, soon) == "delivered", timeout=20, interval=0.5)
    assert poll(lambda: _status(client, moved) == "delivered", timeout=20, interval=0.5)
    assert _status(client, cancelled) == "cancelled"
