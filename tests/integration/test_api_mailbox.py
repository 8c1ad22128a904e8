"""Reading mail back over the API: threads, messages, downloads, deletes."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from ..mail import make_mail
from .conftest import BUCKET, Tenant
from .http_helpers import moto_server
from .mail_helpers import MailSink, receive_raw, rows

__all__ = ["moto_server"]

pytestmark = pytest.mark.usefixtures("mailbox")

ATTACHED = (
    b"From: Bob <bob@elsewhere.example>\r\nTo: support@example.com\r\nSubject: Invoice\r\n"
    b"Message-ID: <inv@x>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n"
    b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
    b"Invoice attached.\r\n--B\r\nContent-Type: application/pdf\r\n"
    b"Content-Disposition: attachment; filename=invoice.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--B--\r\n"
)

NO_DELIVERY = dict.fromkeys(
    (
        "status",
        "status_reason",
        "status_at",
        "sent_at",
        "delivered_at",
        "bounced_at",
        "complained_at",
        "rejected_at",
        "failed_at",
        "bounce",
        "complaint",
        "delay",
    )
)
"""A received message's recipient: every delivery field null."""


def _threads(tenant: Tenant, box: MailSink, query: str = "") -> Any:
    return tenant.api.get(f"/inboxes/{box.support}/threads", query=query).json()


def test_threads_list_newest_activity_first_with_preview_and_counts(
    tenant: Tenant, mailbox: MailSink
) -> None:
    receive_raw(mailbox, ATTACHED, source_id="1")
    receive_raw(mailbox, make_mail(), source_id="2")
    receive_raw(
        mailbox,
        make_mail(
            message_id="<m2@elsewhere.example>",
            extra="In-Reply-To: <m1@elsewhere.example>\r\n",
            subject="Re: Order 1234",
            body="Any news?",
        ),
        source_id="3",
    )

    listed = _threads(tenant, mailbox)["data"]

    assert [t["subject"] for t in listed] == ["Order 1234", "Invoice"]
    assert listed[0]["message_count"] == 2
    assert listed[0]["unread"] is True
    assert listed[0]["preview"] == "Any news?"
    assert "alice@elsewhere.example" in listed[0]["participants"]


def test_threads_page_with_an_opaque_token(tenant: Tenant, mailbox: MailSink) -> None:
    for i in range(3):
        receive_raw(mailbox, make_mail(message_id=f"<p{i}@x>", subject=f"S{i}"), source_id=f"s{i}")

    first = _threads(tenant, mailbox, "limit=2")
    rest = _threads(tenant, mailbox, f"limit=2&page_token={first['next_page_token']}")

    subjects = [t["subject"] for t in first["data"] + rest["data"]]
    assert sorted(subjects) == ["S0", "S1", "S2"]
    assert len(set(subjects)) == 3
    assert rest["next_page_token"] is None


def test_a_thread_answers_its_messages_in_order(tenant: Tenant, mailbox: MailSink) -> None:
    first = receive_raw(mailbox, make_mail(), source_id="1").stored[0]
    receive_raw(
        mailbox,
        make_mail(
            message_id="<m2@x>", extra="References: <m1@elsewhere.example>\r\n", subject="Re: x"
        ),
        source_id="2",
    )

    thread = tenant.api.get(f"/threads/{first.thread_id}").json()

    assert [m["message_id"] for m in thread["messages"]] == ["<m1@elsewhere.example>", "<m2@x>"]
    assert [m["match_reason"] for m in thread["messages"]] == ["new", "references"]


def test_a_message_answers_what_was_parsed(tenant: Tenant, mailbox: MailSink) -> None:
    stored = receive_raw(mailbox, ATTACHED).stored[0]

    message = tenant.api.get(f"/messages/{stored.id}").json()

    assert message["from"] == {"kind": "from", "address": "bob@elsewhere.example", "name": "Bob"}
    assert message["text"].strip() == "Invoice attached."
    assert message["attachments"][0]["filename"] == "invoice.pdf"
    assert message["attachments"][0]["size_bytes"] == 5
    assert {
        "kind": "to",
        "address": "support@example.com",
        "name": None,
        **NO_DELIVERY,
    } in message["recipients"]
    assert {"name": "Subject", "value": "Invoice"} in message["headers"]
    assert message["verdicts"]["virus"] == "PASS"


def test_every_recipient_and_attachment_is_kept_whole_and_in_order(
    tenant: Tenant, mailbox: MailSink
) -> None:
    mail = EmailMessage()
    mail["From"] = "Bob <bob@elsewhere.example>"
    mail["To"] = "Zoe Ant <zoe@elsewhere.example>, support@example.com"
    mail["Cc"] = "Ann <ann@elsewhere.example>"
    mail["Subject"] = "Logo and contract"
    mail["Message-ID"] = "<whole@elsewhere.example>"
    mail.set_content("See the logo and the contract.")
    mail.add_alternative('<p><img src="cid:logo@x"></p>', subtype="html")
    mail.get_payload()[1].add_related(b"\x89PNG-logo", "image", "png", cid="<logo@x>")
    mail.add_attachment(b"%PDF-contract", "application", "pdf", filename="contract.pdf")
    stored = receive_raw(mailbox, bytes(mail), envelope=("support+legal@example.com",)).stored[0]

    message = tenant.api.get(f"/messages/{stored.id}").json()

    assert [(r["kind"], r["address"], r["name"]) for r in message["recipients"]] == [
        ("to", "zoe@elsewhere.example", "Zoe Ant"),
        ("to", "support@example.com", None),
        ("cc", "ann@elsewhere.example", "Ann"),
        ("envelope", "support+legal@example.com", None),
    ]
    files = {a["content_type"]: a for a in message["attachments"]}
    assert set(files) == {"image/png", "application/pdf"}
    logo, contract = files["image/png"], files["application/pdf"]
    assert (logo["content_id"], logo["inline"], logo["size_bytes"]) == ("logo@x", True, 9)
    assert logo["sha256"] == hashlib.sha256(b"\x89PNG-logo").hexdigest()
    assert (contract["filename"], contract["content_id"], contract["inline"]) == (
        "contract.pdf",
        None,
        False,
    )
    assert contract["sha256"] == hashlib.sha256(b"%PDF-contract").hexdigest()


def test_raw_and_attachment_downloads_are_presigned_links(
    tenant: Tenant, mailbox: MailSink
) -> None:
    stored = receive_raw(mailbox, ATTACHED).stored[0]
    attachment_id = tenant.api.get(f"/messages/{stored.id}").json()["attachments"][0]["id"]

    raw = tenant.api.get(f"/messages/{stored.id}/raw").json()
    file = tenant.api.get(f"/messages/{stored.id}/attachments/{attachment_id}").json()

    s3 = boto3.client("s3", region_name="us-east-1")
    raw_key = urlsplit(raw["url"]).path.split(f"/{BUCKET}/", 1)[-1].lstrip("/")
    assert raw_key.startswith("raw/")
    assert s3.get_object(Bucket=BUCKET, Key=raw_key)["Body"].read() == ATTACHED
    assert 295 <= _seconds_valid(raw["url"]) <= 300
    assert (datetime.fromisoformat(raw["expires_at"]) - datetime.now(UTC)).total_seconds() >= 295
    assert file["filename"] == "invoice.pdf"
    assert file["content_type"] == "application/pdf"
    file_key = urlsplit(file["url"]).path.split(f"/{BUCKET}/", 1)[-1].lstrip("/")
    assert file_key.startswith("attachments/")
    assert s3.get_object(Bucket=BUCKET, Key=file_key)["Body"].read().startswith(b"%PDF-")
    assert 295 <= _seconds_valid(file["url"]) <= 300


KEY = re.compile(
    r"attachments/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9a-f]{64}/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.[a-z0-9]{1,10})?"
)
HOSTILE_NAMES = (
    "../../../etc/passwd",
    "a.b/../../x",
    "evil\u202etxt.exe",
    "x.${}",
    "x." + "a" * 300,
    "..\\..\\windows\\win.ini",
    "Отчёт №7.pdf",
)


def _with_files(*names: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Mallory <mallory@elsewhere.example>"
    mail["To"] = "support@example.com"
    mail["Subject"] = "Files"
    mail["Message-ID"] = "<files@elsewhere.example>"
    mail.set_content("Files attached.")
    for n, name in enumerate(names):
        mail.add_attachment(b"file %d" % n, "application", "octet-stream", filename=name)
    return bytes(mail)


def test_hostile_attachment_names_are_answered_as_given_and_kept_out_of_keys(
    tenant: Tenant, mailbox: MailSink
) -> None:
    stored = receive_raw(mailbox, _with_files(*HOSTILE_NAMES)).stored[0]

    message = tenant.api.get(f"/messages/{stored.id}").json()
    links = [
        tenant.api.get(f"/messages/{stored.id}/attachments/{a['id']}").json()
        for a in message["attachments"]
    ]

    assert sorted(a["filename"] for a in message["attachments"]) == sorted(HOSTILE_NAMES)
    keys = [key for (key,) in rows(mailbox, "SELECT storage_key FROM attachments")]
    assert len(keys) == len(HOSTILE_NAMES)
    assert [k for k in keys if not KEY.fullmatch(k)] == []
    assert sorted(k.rsplit(".", 1)[-1] for k in keys) == ["bin"] * 4 + ["exe", "ini", "pdf"]
    disposition = {
        link["filename"]: parse_qs(urlsplit(link["url"]).query)["response-content-disposition"][0]
        for link in links
    }
    assert disposition["../../../etc/passwd"] == (
        "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"
    )
    assert disposition["evil\u202etxt.exe"] == (
        "attachment; filename=\"eviltxt.exe\"; filename*=UTF-8''eviltxt.exe"
    )


def test_a_non_latin_1_attachment_downloads_over_http_with_its_name_encoded(
    tenant: Tenant, mailbox: MailSink, moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_server)  # the API signs links for it
    stored = receive_raw(mailbox, _with_files("Отчёт №7.pdf")).stored[0]
    [attachment] = tenant.api.get(f"/messages/{stored.id}").json()["attachments"]

    link = tenant.api.get(f"/messages/{stored.id}/attachments/{attachment['id']}").json()
    answer = httpx.get(link["url"], timeout=10)

    assert link["url"].startswith(f"{moto_server}/{BUCKET}/attachments/")
    assert link["filename"] == "Отчёт №7.pdf"
    assert answer.status_code == 200
    assert answer.content == b"file 0"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="No7.pdf"; '
        "filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20%E2%84%967.pdf"
    )


def _seconds_valid(url: str) -> float:
    """How long a presigned URL stays valid, whichever signature version signed it."""
    query = parse_qs(urlsplit(url).query)
    if "X-Amz-Expires" in query:
        return float(query["X-Amz-Expires"][0])
    return float(query["Expires"][0]) - time.time()


def test_quarantined_mail_is_left_out_of_listings_but_can_be_asked_for(
    tenant: Tenant, mailbox: MailSink
) -> None:
    receive_raw(mailbox, make_mail(), verdicts={"virus": "FAIL"})

    threads = _threads(tenant, mailbox)["data"]
    ordinary = tenant.api.get(f"/inboxes/{mailbox.support}/messages").json()["data"]
    quarantined = tenant.api.get(
        f"/inboxes/{mailbox.support}/messages", query="quarantined=true"
    ).json()["data"]

    assert threads == []
    assert ordinary == []
    assert [m["quarantine_reason"] for m in quarantined] == ["virus"]


def test_deleting_a_thread_hides_it_but_keeps_its_messages(
    tenant: Tenant, mailbox: MailSink
) -> None:
    stored = receive_raw(mailbox, make_mail()).stored[0]

    deleted = tenant.api.delete(f"/threads/{stored.thread_id}")

    assert deleted.status == 204
    assert _threads(tenant, mailbox)["data"] == []
    in_trash = tenant.api.get(f"/threads/{stored.thread_id}").json()
    assert [m["folder"] for m in in_trash["messages"]] == ["trash"]
    assert tenant.api.get(f"/messages/{stored.id}").json()["folder"] == "trash"


def test_another_organisations_mail_is_404(
    tenant: Tenant, other_tenant: Tenant, mailbox: MailSink
) -> None:
    stored = receive_raw(mailbox, ATTACHED).stored[0]

    assert other_tenant.api.get(f"/messages/{stored.id}").status == 404
    assert other_tenant.api.get(f"/threads/{stored.thread_id}").status == 404
    assert other_tenant.api.get(f"/inboxes/{mailbox.support}/threads").status == 404
    assert other_tenant.api.get(f"/messages/{stored.id}/raw").status == 404
    assert other_tenant.api.delete(f"/threads/{stored.thread_id}").status == 404
    assert other_tenant.api.get(f"/inboxes/{mailbox.support}/messages").status == 404
    attachment_id = tenant.api.get(f"/messages/{stored.id}").json()["attachments"][0]["id"]
    download = f"/messages/{stored.id}/attachments/{attachment_id}"
    assert other_tenant.api.get(download).status == 404


def test_an_attachment_of_another_message_is_404(tenant: Tenant, mailbox: MailSink) -> None:
    first = receive_raw(mailbox, ATTACHED).stored[0]
    other = receive_raw(mailbox, make_mail(), source_id="ses-2").stored[0]
    attachment_id = tenant.api.get(f"/messages/{first.id}").json()["attachments"][0]["id"]

    response = tenant.api.get(f"/messages/{other.id}/attachments/{attachment_id}")

    assert response.status == 404
    assert response.json()["error"]["field"] == "attachment_id"


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/inboxes/{inbox}/threads", "page_token=bogus", "page_token"),
        ("/inboxes/{inbox}/threads", "limit=0", "limit"),
        ("/inboxes/{inbox}/messages", "quarantined=maybe", "quarantined"),
        ("/messages/not-a-uuid", "", "message_id"),
        ("/threads/not-a-uuid", "", "thread_id"),
    ],
)
def test_bad_input_to_the_mailbox_is_400_naming_the_field(
    tenant: Tenant, mailbox: MailSink, path: str, query: str, field: str
) -> None:
    response = tenant.api.get(path.format(inbox=mailbox.support), query=query)

    assert response.status == 400
    assert response.json()["error"]["field"] == field
