"""Trash, restore and erasure over the API, with PostgreSQL and moto's S3: what is left in
the bucket after an erasure, the thread a reply brings back, retention, the dispatcher's part,
the 409s and the scope erasure needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import boto3
import pytest

from functions.dispatcher import handler as dispatcher_function
from mailman.domain.errors import StorageError
from mailman.domain.trash import object_prefix
from mailman.services import mailbox as mailbox_service
from mailman.services import mailbox_trash

from ..mail import make_mail
from .conftest import BUCKET, ApiClient, Response, Tenant
from .mail_helpers import MailSink, receive_raw, rows
from .sending_helpers import OutboundPipeline, outbox

__all__ = ["outbox"]

pytestmark = pytest.mark.usefixtures("mailbox")

WITH_FILE = (
    b"From: Bob <bob@elsewhere.example>\r\nTo: support@example.com, sales@example.com\r\n"
    b"Subject: Invoice\r\nMessage-ID: <inv@x>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n"
    b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
    b"Invoice attached.\r\n--B\r\nContent-Type: application/pdf\r\n"
    b"Content-Disposition: attachment; filename=invoice.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--B--\r\n"
)


def _bucket() -> set[str]:
    s3 = boto3.client("s3", region_name="us-east-1")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {o["Key"] for page in pages for o in page.get("Contents", ())}


def _ok(answer: Response, status: int = 200) -> Any:
    assert answer.status == status, answer.result.body[:300]
    return answer.json() if answer.result.body else None


def _error(answer: Response, status: int) -> dict[str, Any]:
    assert answer.status == status, answer.result.body[:300]
    error: dict[str, Any] = answer.json()["error"]
    return error


def _thread_ids(tenant: Tenant, inbox: UUID) -> list[str]:
    return [t["id"] for t in _ok(tenant.api.get(f"/inboxes/{inbox}/threads"))["data"]]


def _sales(tenant: Tenant, box: MailSink) -> UUID:
    domain_id = _ok(tenant.api.get(f"/inboxes/{box.support}"))["domain_id"]
    made = _ok(tenant.api.post("/inboxes", {"domain_id": domain_id, "local_part": "sales"}), 201)
    return UUID(made["id"])


def test_trash_restore_and_erase_leave_nothing_behind_and_keep_what_is_shared(
    tenant: Tenant, mailbox: MailSink
) -> None:
    sales = _sales(tenant, mailbox)
    stored = receive_raw(
        mailbox, WITH_FILE, envelope=("support@example.com", "sales@example.com")
    ).stored
    mine, theirs = sorted(stored, key=lambda s: s.inbox_id != mailbox.support)
    view = mailbox_service.get_message(mailbox.container.uow, mailbox.organization_id, mine.id)
    mailbox_service.part_link(mailbox.blobs, view, "text")
    before = _bucket()
    prefix = object_prefix(view.message_id, view.created_at)
    assert view.raw_storage_key in before
    assert len([k for k in before if k.startswith(prefix)]) == 2  # the file and the text

    assert _ok(tenant.api.delete(f"/messages/{mine.id}"), 204) is None
    assert _ok(tenant.api.delete(f"/messages/{mine.id}"), 204) is None
    assert _ok(tenant.api.get(f"/messages/{mine.id}"))["folder"] == "trash"
    assert _thread_ids(tenant, mailbox.support) == []
    assert _ok(tenant.api.post(f"/messages/{mine.id}/restore"))["folder"] == "inbox"
    assert _thread_ids(tenant, mailbox.support) == [str(mine.thread_id)]
    _ok(tenant.api.delete(f"/messages/{mine.id}"), 204)
    _ok(tenant.api.delete(f"/messages/{mine.id}", query="permanent=true"), 204)

    assert _error(tenant.api.get(f"/messages/{mine.id}"), 404)["type"] == "not_found"
    assert _ok(tenant.api.get(f"/messages/{theirs.id}"))["inbox_id"] == str(sales)
    left = _bucket()
    assert view.raw_storage_key in left  # the other inbox's copy names it
    assert {k for k in left if k.startswith(prefix)} == {
        k for k in before if k.startswith(prefix) and "/text-" not in k
    }
    assert rows(mailbox, "SELECT count(*) FROM attachments WHERE message_id = %s", mine.id) == [
        (0,)
    ]

    _ok(tenant.api.delete(f"/messages/{theirs.id}"), 204)
    _ok(tenant.api.delete(f"/messages/{theirs.id}", query="permanent=true"), 204)

    assert _bucket() == set()
    assert rows(mailbox, "SELECT count(*) FROM messages") == [(0,)]


def test_erasure_is_logged_in_the_event_log(tenant: Tenant, mailbox: MailSink) -> None:
    stored = receive_raw(mailbox, make_mail()).stored[0]
    _ok(tenant.api.delete(f"/messages/{stored.id}"), 204)
    _ok(tenant.api.delete(f"/messages/{stored.id}", query="permanent=true"), 204)

    events = _ok(tenant.api.get("/events"))["data"]

    [erased] = [e for e in events if e["type"] == "message.erased"]
    assert erased["data"] == {
        "message_id": str(stored.id),
        "inbox_id": str(mailbox.support),
        "thread_id": str(stored.thread_id),
    }


def test_erasing_or_restoring_mail_not_in_trash_is_a_conflict(
    tenant: Tenant, mailbox: MailSink
) -> None:
    stored = receive_raw(mailbox, make_mail()).stored[0]

    erase = _error(tenant.api.delete(f"/messages/{stored.id}", query="permanent=true"), 409)
    restore = _error(tenant.api.post(f"/messages/{stored.id}/restore"), 409)
    thread = _error(tenant.api.post(f"/threads/{stored.thread_id}/restore"), 409)

    assert erase["type"] == "conflict"
    assert "only mail in trash" in erase["message"]
    assert erase["field"] == "permanent"
    assert "not in trash (it is in inbox)" in restore["message"]
    assert "not in trash" in thread["message"]
    assert _ok(tenant.api.get(f"/messages/{stored.id}"))["folder"] == "inbox"


def test_unknown_ids_are_not_found(tenant: Tenant, mailbox: MailSink) -> None:
    nobody = "00000000-0000-4000-8000-000000000000"

    assert tenant.api.delete(f"/messages/{nobody}").status == 404
    assert tenant.api.post(f"/messages/{nobody}/restore").status == 404
    assert tenant.api.post(f"/threads/{nobody}/restore").status == 404
    assert tenant.api.delete(f"/threads/{nobody}").status == 404
    assert tenant.api.post(f"/inboxes/{nobody}/trash/empty").status == 404


def test_a_reply_brings_a_thread_in_trash_back_to_the_inbox(
    tenant: Tenant, mailbox: MailSink
) -> None:
    first = receive_raw(mailbox, make_mail(), source_id="1").stored[0]
    _ok(tenant.api.delete(f"/threads/{first.thread_id}"), 204)
    assert _thread_ids(tenant, mailbox.support) == []

    reply = receive_raw(
        mailbox,
        make_mail(
            message_id="<m2@elsewhere.example>",
            extra="In-Reply-To: <m1@elsewhere.example>\r\n",
            subject="Re: Order 1234",
            body="Any news?",
        ),
        source_id="2",
    ).stored[0]

    assert reply.thread_id == first.thread_id
    [listed] = _ok(tenant.api.get(f"/inboxes/{mailbox.support}/threads"))["data"]
    assert (listed["id"], listed["message_count"], listed["preview"]) == (
        str(first.thread_id),
        1,
        "Any news?",
    )
    thread = _ok(tenant.api.get(f"/threads/{first.thread_id}"))
    assert [m["id"] for m in thread["messages"]] == [str(reply.id)]
    assert _ok(tenant.api.get(f"/messages/{first.id}"))["folder"] == "trash"
    restored = _ok(tenant.api.post(f"/threads/{first.thread_id}/restore"))
    assert [m["folder"] for m in restored["messages"]] == ["inbox", "inbox"]
    assert restored["message_count"] == 2


def test_erasing_a_message_in_the_middle_keeps_the_thread_whole(
    tenant: Tenant, mailbox: MailSink
) -> None:
    first = receive_raw(mailbox, make_mail(), source_id="1").stored[0]
    middle = receive_raw(
        mailbox,
        make_mail(message_id="<m2@x>", extra="In-Reply-To: <m1@elsewhere.example>\r\n"),
        source_id="2",
    ).stored[0]
    _ok(tenant.api.delete(f"/messages/{middle.id}"), 204)
    _ok(tenant.api.delete(f"/messages/{middle.id}", query="permanent=true"), 204)

    late = receive_raw(
        mailbox,
        make_mail(message_id="<m3@x>", extra="In-Reply-To: <m2@x>\r\n", body="Later"),
        source_id="3",
    ).stored[0]

    assert late.thread_id == first.thread_id
    assert rows(
        mailbox,
        "SELECT thread_id, message_pk FROM message_references WHERE message_id = %s",
        "<m2@x>",
    ) == [(first.thread_id, None)]
    thread = _ok(tenant.api.get(f"/threads/{first.thread_id}"))
    assert [m["id"] for m in thread["messages"]] == [str(first.id), str(late.id)]
    assert (thread["message_count"], thread["preview"]) == (2, "Later")


def test_an_erased_thread_is_gone(tenant: Tenant, mailbox: MailSink) -> None:
    only = receive_raw(mailbox, make_mail()).stored[0]
    _ok(tenant.api.delete(f"/threads/{only.thread_id}"), 204)
    _ok(tenant.api.delete(f"/messages/{only.id}", query="permanent=true"), 204)

    assert tenant.api.get(f"/threads/{only.thread_id}").status == 404
    assert _thread_ids(tenant, mailbox.support) == []
    assert rows(
        mailbox, "SELECT count(*) FROM thread_facets WHERE thread_id = %s", only.thread_id
    ) == [(0,)]


def test_a_large_trash_is_emptied_partly_now_and_the_rest_by_the_dispatcher(
    tenant: Tenant, mailbox: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mailbox_trash, "ERASE_AT_ONCE", 2)
    kept = receive_raw(mailbox, make_mail(message_id="<kept@x>"), source_id="k").stored[0]
    for n in range(5):
        stored = receive_raw(mailbox, make_mail(message_id=f"<t{n}@x>"), source_id=f"t{n}")
        _ok(tenant.api.delete(f"/messages/{stored.stored[0].id}"), 204)
    assert len(_bucket()) == 6

    emptied = _ok(tenant.api.post(f"/inboxes/{mailbox.support}/trash/empty"), 202)

    assert emptied == {"erased": 2, "pending": 3}
    c = mailbox.container
    run = mailbox_trash.erase_due(c.uow, c.blobs, c.clock)
    assert (run.expired, run.erased) == (0, 3)
    assert rows(mailbox, "SELECT id FROM messages") == [(kept.id,)]
    assert _bucket() == {k for (k,) in rows(mailbox, "SELECT raw_storage_key FROM messages")}
    again = _ok(tenant.api.post(f"/inboxes/{mailbox.support}/trash/empty"))
    assert again == {"erased": 0, "pending": 0}


def test_trash_past_the_inboxs_retention_is_erased_by_the_dispatcher(
    tenant: Tenant, mailbox: MailSink
) -> None:
    inbox = f"/inboxes/{mailbox.support}"
    assert _ok(tenant.api.get(inbox))["trash_retention_days"] == 30
    assert _ok(tenant.api.patch(inbox, {"trash_retention_days": 2}))["trash_retention_days"] == 2
    for wrong in (0, 3651, "2", 1.5):
        error = _error(tenant.api.patch(inbox, {"trash_retention_days": wrong}), 400)
        assert "trash_retention_days" in (error.get("field") or error["message"])
    old = receive_raw(mailbox, make_mail(message_id="<old@x>"), source_id="o").stored[0]
    recent = receive_raw(mailbox, make_mail(message_id="<new@x>"), source_id="n").stored[0]
    for stored in (old, recent):
        _ok(tenant.api.delete(f"/messages/{stored.id}"), 204)
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    rows(
        mailbox,
        "UPDATE messages SET deleted_at = %s WHERE id = %s RETURNING id",
        three_days_ago,
        old.id,
    )

    c = mailbox.container
    run = mailbox_trash.erase_due(c.uow, c.blobs, c.clock)

    assert (run.expired, run.erased) == (1, 1)
    assert tenant.api.get(f"/messages/{old.id}").status == 404
    assert _ok(tenant.api.get(f"/messages/{recent.id}"))["folder"] == "trash"
    assert len(_bucket()) == 1


def test_erasure_needs_its_own_scope(tenant: Tenant, mailbox: MailSink) -> None:
    stored = receive_raw(mailbox, make_mail()).stored[0]
    made = _ok(tenant.api.post("/api-keys", {"name": "tidy", "scopes": ["messages:write"]}), 201)
    writer = ApiClient(made["key"])
    _ok(writer.delete(f"/messages/{stored.id}"), 204)

    permanent = _error(writer.delete(f"/messages/{stored.id}", query="permanent=true"), 403)
    empty = _error(writer.post(f"/inboxes/{mailbox.support}/trash/empty"), 403)

    assert permanent["details"] == {"required_scope": "messages:erase"}
    assert empty["details"] == {"required_scope": "messages:erase"}
    assert _ok(tenant.api.get(f"/messages/{stored.id}"))["folder"] == "trash"


def test_a_credential_bound_to_another_inbox_finds_nothing_to_delete(
    tenant: Tenant, mailbox: MailSink
) -> None:
    sales = _sales(tenant, mailbox)
    stored = receive_raw(mailbox, make_mail()).stored[0]
    made = _ok(tenant.api.post("/api-keys", {"name": "sales", "inbox_ids": [str(sales)]}), 201)
    bound = ApiClient(made["key"])

    assert bound.delete(f"/messages/{stored.id}").status == 404
    assert bound.delete(f"/threads/{stored.thread_id}").status == 404
    assert bound.post(f"/inboxes/{mailbox.support}/trash/empty").status == 404
    assert _ok(tenant.api.get(f"/messages/{stored.id}"))["folder"] == "inbox"


def test_the_dispatcher_function_erases_the_trash_past_its_retention(
    tenant: Tenant, mailbox: MailSink, outbox: OutboundPipeline
) -> None:
    stored = receive_raw(mailbox, make_mail()).stored[0]
    _ok(tenant.api.delete(f"/messages/{stored.id}"), 204)
    month_ago = datetime.now(UTC) - timedelta(days=31)
    rows(mailbox, "UPDATE messages SET deleted_at = %s RETURNING id", month_ago)

    done = outbox.dispatch()

    assert (done["trash_expired"], done["erased"], done["objects_deleted"]) == (1, 1, 1)
    assert tenant.api.get(f"/messages/{stored.id}").status == 404
    assert _bucket() == set()


def test_an_erasure_failing_in_the_dispatcher_leaves_its_other_work_done(
    tenant: Tenant, mailbox: MailSink, outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Erasure runs beside sending's sweep and before the webhooks are queued: S3 failing (or
    any one message that cannot be erased) must not stop the webhooks every minute; the
    next run finishes the erasure."""
    stored = receive_raw(mailbox, make_mail()).stored[0]
    _ok(tenant.api.delete(f"/messages/{stored.id}"), 204)
    rows(mailbox, "UPDATE messages SET deleted_at = now() - interval '31 days' RETURNING id")
    published: list[object] = []
    monkeypatch.setattr(dispatcher_function, "publish_webhooks", published.append)
    blobs = dispatcher_function.container().blobs

    def unavailable(keys: object) -> None:
        raise StorageError("S3 is unavailable")

    with monkeypatch.context() as broken:
        broken.setattr(blobs, "delete_many", unavailable)
        failed = outbox.dispatch()

    assert len(published) == 1
    assert (failed["trash_expired"], failed["erased"]) == (0, 0)
    assert _bucket() != set()
    done = outbox.dispatch()
    assert (done["erased"], done["objects_deleted"]) == (1, 1)
    assert _bucket() == set()


def test_mail_waiting_for_erasure_is_counted_and_listed_nowhere(
    tenant: Tenant, mailbox: MailSink
) -> None:
    """Between a large trash's emptying (202) and the dispatcher's erasure, the marked mail
    is gone for reading (404 by id): the trash's count, its thread list and the thread
    leave it out too."""
    kept = receive_raw(mailbox, make_mail(message_id="<kept@x>", subject="Kept")).stored[0]
    going = receive_raw(
        mailbox,
        make_mail(message_id="<going@x>", subject="Going", extra="In-Reply-To: <kept@x>\r\n"),
    ).stored[0]
    alone = receive_raw(mailbox, make_mail(message_id="<alone@x>", subject="Alone")).stored[0]
    for stored in (kept, going, alone):
        _ok(tenant.api.delete(f"/messages/{stored.id}"), 204)

    rows(
        mailbox,
        "UPDATE messages SET erase_requested_at = now() WHERE id = ANY(%s) RETURNING id",
        [going.id, alone.id],
    )

    folders = _ok(tenant.api.get(f"/inboxes/{mailbox.support}/folders"))["data"]
    assert [(f["total"], f["unread"]) for f in folders if f["id"] == "trash"] == [(1, 1)]
    listed = _ok(tenant.api.get(f"/inboxes/{mailbox.support}/threads", query="folder=trash"))
    assert [t["id"] for t in listed["data"]] == [str(kept.thread_id)]
    thread = _ok(tenant.api.get(f"/threads/{kept.thread_id}"))
    assert [m["id"] for m in thread["messages"]] == [str(kept.id)]
    assert tenant.api.get(f"/messages/{going.id}").status == 404


def test_erasure_keeps_the_raw_mail_unroutable_mail_of_the_same_delivery_names(
    tenant: Tenant, mailbox: MailSink
) -> None:
    stored = receive_raw(
        mailbox, make_mail(), envelope=("support@example.com", "nobody@example.com")
    ).stored[0]
    [(raw,)] = rows(mailbox, "SELECT raw_storage_key FROM unroutable_messages")
    _ok(tenant.api.delete(f"/messages/{stored.id}"), 204)

    _ok(tenant.api.delete(f"/messages/{stored.id}", query="permanent=true"), 204)

    assert rows(mailbox, "SELECT count(*) FROM messages") == [(0,)]
    assert raw in _bucket()
