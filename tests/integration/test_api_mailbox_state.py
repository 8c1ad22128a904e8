"""The mailbox's state over the API against PostgreSQL: read, starred, folders and labels on
messages, threads and batches; custom folders; the counts; the listing filters; where new
mail lands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from mailman.domain.folders import MAX_BATCH
from mailman.domain.sending import MAX_LABELS

from ..mail import make_mail
from .conftest import Tenant
from .mail_helpers import MailSink, mailbox_counts, receive_raw, recounted, rows
from .sending_helpers import OutboundPipeline, outbox

__all__ = ["outbox"]

pytestmark = pytest.mark.usefixtures("mailbox")

START = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def _mail(box: MailSink, n: int, **kwargs: Any) -> Any:
    """Mail `n`, received `n` minutes after START, in a thread of its own unless `extra`
    says otherwise."""
    extra = kwargs.pop("extra", "")
    raw = make_mail(message_id=f"<m{n}@x.example>", subject=f"Subject {n}", extra=extra)
    at = START + timedelta(minutes=n)
    [stored] = receive_raw(box, raw, source_id=f"ses-{n}", received_at=at, **kwargs).stored
    return stored


def _ok(answer: Any, status: int = 200) -> Any:
    assert answer.status == status, answer.json()
    return answer.json()


def _error(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status == status, answer.json()
    found: dict[str, Any] = answer.json()["error"]
    return found


def _subjects(tenant: Tenant, box: MailSink, query: str = "", what: str = "threads") -> list[str]:
    found = _ok(tenant.api.get(f"/inboxes/{box.support}/{what}", query=query))
    return [t["subject"] for t in found["data"]]


def _folders(tenant: Tenant, box: MailSink) -> dict[str, tuple[int, int]]:
    found = _ok(tenant.api.get(f"/inboxes/{box.support}/folders"))["data"]
    return {f["name"]: (f["total"], f["unread"]) for f in found}


def test_a_message_is_marked_and_shows_its_state(tenant: Tenant, mailbox: MailSink) -> None:
    m = _mail(mailbox, 1)

    changed = _ok(
        tenant.api.patch(
            f"/messages/{m.id}",
            {"read": True, "starred": True, "labels": {"add": ["vip", "important"]}},
        )
    )

    assert (changed["read"], changed["is_read"], changed["starred"]) == (True, True, True)
    assert changed["folder"] == "inbox"
    assert changed["labels"] == ["vip", "important"]
    assert changed["system_labels"] == ["inbox", "starred", "important"]
    again = _ok(
        tenant.api.patch(f"/messages/{m.id}", {"labels": {"add": ["unread"], "remove": ["vip"]}})
    )
    assert (again["read"], again["labels"]) == (False, ["important"])
    assert again["system_labels"] == ["inbox", "unread", "starred", "important"]
    assert _ok(tenant.api.get(f"/messages/{m.id}"))["labels"] == ["important"]


def test_trash_by_patch_keeps_the_folder_to_restore_and_the_message_readable(
    tenant: Tenant, mailbox: MailSink
) -> None:
    m = _mail(mailbox, 1)
    _ok(tenant.api.patch(f"/messages/{m.id}", {"folder": "archive"}))

    _ok(tenant.api.patch(f"/messages/{m.id}", {"folder": "trash"}))

    [(folder, restore, deleted)] = rows(
        mailbox, "SELECT folder, restore_folder, deleted_at FROM messages WHERE id = %s", m.id
    )
    assert (folder, restore) == ("trash", "archive")
    assert deleted is not None
    assert _ok(tenant.api.get(f"/messages/{m.id}"))["folder"] == "trash"
    assert _subjects(tenant, mailbox) == []
    assert _subjects(tenant, mailbox, "folder=trash") == ["Subject 1"]
    assert _subjects(tenant, mailbox, "folder=trash", what="messages") == ["Subject 1"]
    _ok(tenant.api.patch(f"/messages/{m.id}", {"folder": "archive"}))
    assert rows(
        mailbox, "SELECT folder, restore_folder, deleted_at FROM messages WHERE id = %s", m.id
    ) == [("archive", None, None)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"folder": "starred"}, "folder"),
        ({"folder": "nowhere"}, "folder"),
        ({"folder": str(uuid4())}, "folder"),
        ({"labels": {"add": ["Inbox"]}}, "labels.add"),
        ({"labels": {"add": ["x"], "remove": ["x"]}}, "labels"),
        ({}, "body"),
    ],
)
def test_a_bad_change_is_refused(
    tenant: Tenant, mailbox: MailSink, body: dict[str, Any], field: str
) -> None:
    m = _mail(mailbox, 1)

    error = _error(tenant.api.patch(f"/messages/{m.id}", body), 400)

    assert error["field"] == field


def test_another_organisations_message_or_thread_is_not_found(
    tenant: Tenant, other_tenant: Tenant, mailbox: MailSink
) -> None:
    m = _mail(mailbox, 1)

    _error(other_tenant.api.patch(f"/messages/{m.id}", {"read": True}), 404)
    _error(other_tenant.api.patch(f"/threads/{m.thread_id}", {"read": True}), 404)
    _error(tenant.api.patch(f"/messages/{uuid4()}", {"read": True}), 404)
    batch = _ok(
        other_tenant.api.post("/messages/batch", {"ids": [str(m.id)], "change": {"read": True}})
    )
    assert batch["data"] == [{"id": str(m.id), "result": "not_found"}]
    assert rows(mailbox, "SELECT is_read FROM messages WHERE id = %s", m.id) == [(False,)]


def test_a_thread_change_reaches_every_message(tenant: Tenant, mailbox: MailSink) -> None:
    first = _mail(mailbox, 1)
    _mail(mailbox, 2, extra="In-Reply-To: <m1@x.example>\r\n")

    thread = _ok(
        tenant.api.patch(f"/threads/{first.thread_id}", {"read": True, "labels": {"add": ["case"]}})
    )

    assert (thread["unread_count"], thread["labels"], thread["folders"]) == (0, ["case"], ["inbox"])
    assert thread["starred"] is False
    assert rows(
        mailbox, "SELECT is_read, labels FROM messages WHERE thread_id = %s", first.thread_id
    ) == [(True, ["case"]), (True, ["case"])]
    shown = _ok(tenant.api.get(f"/threads/{first.thread_id}"))
    assert (shown["labels"], shown["folders"]) == (["case"], ["inbox"])
    _ok(tenant.api.patch(f"/threads/{first.thread_id}", {"folder": "trash"}))
    assert _subjects(tenant, mailbox) == []
    assert _subjects(tenant, mailbox, "folder=trash") == ["Subject 1"]
    restored = _ok(tenant.api.patch(f"/threads/{first.thread_id}", {"folder": "inbox"}))
    assert restored["folders"] == ["inbox"]
    assert _subjects(tenant, mailbox) == ["Subject 1"]


def test_filing_a_thread_leaves_its_trashed_mail_in_trash(
    tenant: Tenant, mailbox: MailSink
) -> None:
    first = _mail(mailbox, 1)
    reply = _mail(mailbox, 2, extra="In-Reply-To: <m1@x.example>\r\n")
    assert tenant.api.delete(f"/messages/{reply.id}").status == 204

    filed = _ok(tenant.api.patch(f"/threads/{first.thread_id}", {"folder": "archive"}))

    assert filed["folders"] == ["archive", "trash"]
    assert _ok(tenant.api.get(f"/messages/{reply.id}"))["folder"] == "trash"
    assert _ok(tenant.api.post(f"/messages/{reply.id}/restore"))["folder"] == "inbox"


def test_a_batch_reports_missing_ids_and_counts_each_once(
    tenant: Tenant, mailbox: MailSink
) -> None:
    a, b = _mail(mailbox, 1), _mail(mailbox, 2)
    missing = str(uuid4())

    answer = _ok(
        tenant.api.post(
            "/messages/batch",
            {"ids": [str(a.id), missing, str(a.id), str(b.id)], "change": {"starred": True}},
        )
    )

    assert answer["data"] == [
        {"id": str(a.id), "result": "updated"},
        {"id": missing, "result": "not_found"},
        {"id": str(b.id), "result": "updated"},
    ]
    assert mailbox_counts(mailbox)["is:starred"] == (2, 2)
    threads = _ok(
        tenant.api.post(
            "/threads/batch",
            {"ids": [str(a.thread_id), missing], "change": {"folder": "archive"}},
        )
    )
    assert [t["result"] for t in threads["data"]] == ["updated", "not_found"]
    assert _subjects(tenant, mailbox, "folder=archive") == ["Subject 1"]


def test_a_batch_is_all_or_nothing(tenant: Tenant, mailbox: MailSink) -> None:
    a, b = _mail(mailbox, 1), _mail(mailbox, 2)
    full = [f"l{i}" for i in range(MAX_LABELS)]
    _ok(tenant.api.patch(f"/messages/{b.id}", {"labels": {"add": full}}))
    before = mailbox_counts(mailbox)

    error = _error(
        tenant.api.post(
            "/messages/batch",
            {"ids": [str(a.id), str(b.id)], "change": {"read": True, "labels": {"add": ["x"]}}},
        ),
        400,
    )

    assert error["field"] == "labels"
    assert rows(mailbox, "SELECT is_read, labels FROM messages WHERE id = %s", a.id) == [
        (False, [])
    ]
    assert mailbox_counts(mailbox) == before


def test_a_batch_names_at_most_the_limit(tenant: Tenant, mailbox: MailSink) -> None:
    ids = [str(uuid4()) for _ in range(MAX_BATCH + 1)]

    _error(tenant.api.post("/messages/batch", {"ids": ids, "change": {"read": True}}), 400)
    _error(tenant.api.post("/threads/batch", {"ids": [], "change": {"read": True}}), 400)


def test_custom_folders_are_made_listed_renamed_and_deleted(
    tenant: Tenant, mailbox: MailSink
) -> None:
    base = f"/inboxes/{mailbox.support}/folders"
    made = _ok(tenant.api.post(base, {"name": "Clients"}), 201)
    a, b = _mail(mailbox, 1), _mail(mailbox, 2)
    _ok(tenant.api.patch(f"/messages/{a.id}", {"folder": made["id"]}))
    _ok(tenant.api.patch(f"/messages/{b.id}", {"folder": made["id"], "read": True}))

    _error(tenant.api.post(base, {"name": "CLIENTS"}), 409)
    assert _error(tenant.api.post(base, {"name": "Trash"}), 400)["field"] == "name"
    listed = _ok(tenant.api.get(base))["data"]
    assert [f["id"] for f in listed] == [
        "inbox",
        "sent",
        "drafts",
        "starred",
        "archive",
        "spam",
        "trash",
        made["id"],
    ]
    assert [f["system"] for f in listed] == [True] * 7 + [False]
    assert (listed[-1]["total"], listed[-1]["unread"]) == (2, 1)
    renamed = _ok(tenant.api.patch(f"{base}/{made['id']}", {"name": "Customers"}))
    assert (renamed["name"], renamed["total"]) == ("Customers", 2)
    assert _subjects(tenant, mailbox, f"folder={made['id']}") == ["Subject 2", "Subject 1"]
    assert tenant.api.delete(f"{base}/{made['id']}").status == 204
    assert rows(
        mailbox, "SELECT DISTINCT folder FROM messages WHERE inbox_id = %s", mailbox.support
    ) == [("inbox",)]
    _error(tenant.api.get(f"{base}/{made['id']}"), 404)
    assert (
        _error(
            tenant.api.get(f"/inboxes/{mailbox.support}/threads", query=f"folder={made['id']}"), 400
        )["field"]
        == "folder"
    )
    assert mailbox_counts(mailbox) == recounted(mailbox)


def test_labels_list_the_system_ones_then_those_in_use(tenant: Tenant, mailbox: MailSink) -> None:
    a, b, c = _mail(mailbox, 1), _mail(mailbox, 2), _mail(mailbox, 3)
    _ok(tenant.api.patch(f"/messages/{a.id}", {"labels": {"add": ["zeta", "alpha"]}, "read": True}))
    _ok(tenant.api.patch(f"/messages/{b.id}", {"labels": {"add": ["alpha", "important"]}}))
    _ok(tenant.api.patch(f"/messages/{c.id}", {"labels": {"add": ["gone"]}, "folder": "spam"}))

    found = _ok(tenant.api.get(f"/inboxes/{mailbox.support}/labels"))["data"]

    assert [(x["name"], x["system"], x["total"], x["unread"]) for x in found] == [
        ("unread", True, 1, 1),
        ("starred", True, 0, 0),
        ("important", True, 1, 1),
        ("alpha", False, 2, 1),
        ("zeta", False, 1, 0),
    ]


def test_counts_stay_exact_through_every_kind_of_change(tenant: Tenant, mailbox: MailSink) -> None:
    a, b, c = _mail(mailbox, 1), _mail(mailbox, 2), _mail(mailbox, 3)
    _mail(mailbox, 4, extra="In-Reply-To: <m1@x.example>\r\n")
    made = _ok(tenant.api.post(f"/inboxes/{mailbox.support}/folders", {"name": "C"}), 201)

    _ok(tenant.api.patch(f"/messages/{a.id}", {"starred": True, "labels": {"add": ["x"]}}))
    _ok(tenant.api.patch(f"/threads/{a.thread_id}", {"folder": made["id"]}))
    _ok(tenant.api.patch(f"/messages/{b.id}", {"folder": "trash"}))
    _ok(
        tenant.api.post(
            "/messages/batch", {"ids": [str(b.id), str(c.id)], "change": {"read": True}}
        )
    )
    assert tenant.api.delete(f"/inboxes/{mailbox.support}/folders/{made['id']}").status == 204

    assert mailbox_counts(mailbox) == recounted(mailbox)
    assert _folders(tenant, mailbox)["inbox"] == (3, 2)
    assert _folders(tenant, mailbox)["trash"] == (1, 0)
    assert _folders(tenant, mailbox)["starred"] == (1, 1)


def test_thread_lists_filter_and_page(tenant: Tenant, mailbox: MailSink) -> None:
    a, b, c = _mail(mailbox, 1), _mail(mailbox, 2), _mail(mailbox, 3)
    for n in range(4, 7):
        _mail(mailbox, n)
    _ok(tenant.api.patch(f"/messages/{a.id}", {"labels": {"add": ["vip"]}, "read": True}))
    _ok(tenant.api.patch(f"/messages/{b.id}", {"starred": True, "folder": "archive"}))
    _ok(tenant.api.patch(f"/messages/{c.id}", {"folder": "spam"}))

    assert _subjects(tenant, mailbox, "folder=inbox&limit=50") == [
        "Subject 6",
        "Subject 5",
        "Subject 4",
        "Subject 1",
    ]
    assert _subjects(tenant, mailbox, "folder=starred") == ["Subject 2"]
    assert _subjects(tenant, mailbox, "folder=spam") == ["Subject 3"]
    assert _subjects(tenant, mailbox, "label=vip") == ["Subject 1"]
    assert _subjects(tenant, mailbox, "label=Archive") == ["Subject 2"]
    assert _subjects(tenant, mailbox, "label=starred&unread=true") == ["Subject 2"]
    assert _subjects(tenant, mailbox, "folder=inbox&unread=false") == ["Subject 1"]
    assert _subjects(tenant, mailbox, "folder=archive&starred=true") == ["Subject 2"]
    assert _subjects(tenant, mailbox, "from=ALICE@elsewhere.example&direction=inbound&limit=2") == [
        "Subject 6",
        "Subject 5",
    ]
    assert _subjects(tenant, mailbox, "has_attachment=true") == []
    since = (START + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert _subjects(tenant, mailbox, f"since={since}") == ["Subject 6", "Subject 5"]
    first = _ok(tenant.api.get(f"/inboxes/{mailbox.support}/threads", query="folder=inbox&limit=2"))
    rest = _ok(
        tenant.api.get(
            f"/inboxes/{mailbox.support}/threads",
            query=f"folder=inbox&limit=2&page_token={first['next_page_token']}",
        )
    )
    assert [t["subject"] for t in first["data"] + rest["data"]] == [
        "Subject 6",
        "Subject 5",
        "Subject 4",
        "Subject 1",
    ]
    assert rest["next_page_token"] is None
    assert (
        _error(tenant.api.get(f"/inboxes/{mailbox.support}/threads", query="folder=nowhere"), 400)[
            "field"
        ]
        == "folder"
    )


def test_message_lists_filter_on_the_same_rules(tenant: Tenant, mailbox: MailSink) -> None:
    a, b, c = _mail(mailbox, 1), _mail(mailbox, 2), _mail(mailbox, 3)
    _ok(tenant.api.patch(f"/messages/{a.id}", {"labels": {"add": ["vip"]}, "read": True}))
    _ok(tenant.api.patch(f"/messages/{b.id}", {"starred": True}))
    _ok(tenant.api.patch(f"/messages/{c.id}", {"folder": "spam"}))

    assert _subjects(tenant, mailbox, what="messages") == ["Subject 2", "Subject 1"]
    assert _subjects(tenant, mailbox, "folder=spam", "messages") == ["Subject 3"]
    assert _subjects(tenant, mailbox, "folder=starred", "messages") == ["Subject 2"]
    assert _subjects(tenant, mailbox, "label=vip", "messages") == ["Subject 1"]
    assert _subjects(tenant, mailbox, "unread=true", "messages") == ["Subject 2"]
    assert _subjects(tenant, mailbox, "direction=outbound", "messages") == []
    _error(tenant.api.get(f"/inboxes/{mailbox.support}/messages", query="folder=x"), 400)


def test_mail_judged_spam_lands_in_spam(tenant: Tenant, mailbox: MailSink) -> None:
    spam = _mail(mailbox, 1, verdicts={"spam": "FAIL", "virus": "PASS"})
    _mail(mailbox, 2)

    assert _ok(tenant.api.get(f"/messages/{spam.id}"))["folder"] == "spam"
    assert _subjects(tenant, mailbox) == ["Subject 2"]
    assert _subjects(tenant, mailbox, "folder=spam") == ["Subject 1"]
    assert _folders(tenant, mailbox)["spam"] == (1, 1)
    assert _folders(tenant, mailbox)["inbox"] == (1, 1)


def test_sent_mail_lands_in_sent_and_drafts_in_drafts(outbox: OutboundPipeline) -> None:
    api, box = outbox.tenant.api, outbox.box
    sent = _ok(
        api.post(
            f"/inboxes/{box.support}/messages",
            {"to": ["jane@customer.example"], "subject": "Hello", "text": "Hi"},
        ),
        202,
    )
    draft = _ok(api.post(f"/inboxes/{box.support}/drafts", {"subject": "Plan"}), 201)

    assert (sent["folder"], sent["read"]) == ("sent", True)
    assert draft["folder"] == "drafts"
    assert _subjects(outbox.tenant, box, "folder=sent") == ["Hello"]
    assert _folders(outbox.tenant, box)["sent"] == (1, 0)
    assert _folders(outbox.tenant, box)["drafts"] == (1, 0)
