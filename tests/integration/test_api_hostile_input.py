"""What a hostile or careless client sends: refused whole with a 4xx naming the field and
nothing stored; and whatever is stored reads back, within what Lambda can answer."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from functions.api import budget
from functions.api import handler as api_handler
from functions.api.budget import MAX_INLINE_PART_BYTES, MAX_LAMBDA_RESPONSE_BYTES
from local.apigw import LambdaContext, ProxyResult, proxy_event
from mailman.domain.documents import MAX_METADATA_BYTES, MAX_METADATA_KEYS

from ..mail import make_mail
from .conftest import BUCKET, Response
from .mail_helpers import receive_raw
from .sending_helpers import OutboundPipeline, outbox, sent_mail

__all__ = ["outbox"]

INBOX = "/inboxes/{}/messages"


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def _stored(o: OutboundPipeline) -> tuple[int, int, int]:
    """Messages, API keys and uploads stored, with jobs waiting: what a refusal must not add."""
    [(messages, keys, uploads)] = o.rows(
        "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM api_keys), "
        "(SELECT count(*) FROM uploads)"
    )
    return messages + len(o.jobs()), keys, uploads


def _refused(answer: Response, status: int, field: str) -> None:
    assert answer.status == status, answer.json()
    error = answer.json()["error"]
    assert error["field"] == field, error
    assert error["trace_id"]


def _payload(answer: Response) -> int:
    """The bytes of the proxy result Lambda would hand API Gateway for this answer."""
    return len(json.dumps({"statusCode": answer.status, "body": answer.result.body.decode()}))


@pytest.mark.parametrize("path", ["messages", "drafts"])
def test_metadata_nested_300_deep_is_refused_before_anything_is_stored(
    outbox: OutboundPipeline, path: str
) -> None:
    before = _stored(outbox)

    answer = outbox.tenant.api.post(
        f"/inboxes/{outbox.box.support}/{path}",
        {"to": ["a@b.example"], "text": "x", "metadata": _nested(300)},
    )

    assert answer.status == 400, answer.json()
    assert answer.json()["error"]["field"].startswith("metadata.a.a.a")
    assert "nested" in answer.json()["error"]["message"]
    assert _stored(outbox) == before


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        (_nested(6), "metadata.a.a.a.a.a"),
        ({"k": {f"n{i}": i for i in range(MAX_METADATA_KEYS)}}, "metadata"),
        ({"x" * 101: 1}, "metadata." + "x" * 100),
        ({"big": "y" * MAX_METADATA_BYTES}, "metadata"),
        ({"list": [[[[[1]]]]]}, "metadata.list[0][0][0][0]"),
    ],
    ids=["too-deep", "too-many-keys", "long-key", "too-large", "deep-list"],
)
def test_metadata_beyond_its_bounds_is_refused_naming_the_place(
    outbox: OutboundPipeline, metadata: dict[str, Any], field: str
) -> None:
    before = _stored(outbox)

    answer = outbox.tenant.api.post(
        INBOX.format(outbox.box.support), {"to": ["a@b.example"], "text": "x", "metadata": metadata}
    )

    _refused(answer, 400, field)
    assert _stored(outbox) == before


def test_metadata_within_its_bounds_is_kept_and_answered(outbox: OutboundPipeline) -> None:
    metadata = {"order": {"id": 1234, "lines": [{"sku": "é-1", "qty": 2}]}, "tag": "vip"}

    answer = outbox.tenant.api.post(
        INBOX.format(outbox.box.support), {"to": ["a@b.example"], "text": "x", "metadata": metadata}
    )

    assert answer.status == 202, answer.json()
    message = outbox.tenant.api.get(f"/messages/{answer.json()['id']}").json()
    assert message["metadata"] == metadata
    assert message["truncated"] == []


def test_metadata_stored_beyond_the_bounds_never_breaks_a_read(outbox: OutboundPipeline) -> None:
    receive_raw(outbox.box, make_mail())
    [(message_id, thread_id)] = outbox.rows("SELECT id, thread_id FROM messages")
    outbox.rows("UPDATE messages SET metadata = %s::jsonb RETURNING id", json.dumps(_nested(300)))

    reads = [
        outbox.tenant.api.get(f"/messages/{message_id}"),
        outbox.tenant.api.get(f"/threads/{thread_id}"),
        outbox.tenant.api.get(INBOX.format(outbox.box.support)),
    ]

    assert [r.status for r in reads] == [200, 200, 200]
    message = reads[0].json()
    assert message["metadata"] == {}
    assert message["truncated"] == ["metadata"]
    assert reads[1].json()["messages"][0]["truncated"] == ["metadata"]
    assert reads[2].json()["data"][0]["metadata"] == {}


def test_a_body_that_is_not_utf8_is_refused_naming_the_body(outbox: OutboundPipeline) -> None:
    before = _stored(outbox)

    answer = outbox.tenant.api.post(
        INBOX.format(outbox.box.support), raw_body=b'{"to": ["a@b.example"], "text": "\xff\xfe"}'
    )

    _refused(answer, 400, "body")
    assert answer.json()["error"]["message"] == "the body is not valid UTF-8"
    assert _stored(outbox) == before


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"[" * 5000 + b"]" * 5000, "body"),
        (b'{"name": ' + b'{"a": ' * 1200 + b"1" + b"}" * 1200 + b"}", "body"),
        (b'{"name": "k", "expires_at": ' + b"[" * 40 + b"]" * 40 + b"}", "expires_at" + "[0]" * 31),
    ],
    ids=["array-5000", "object-1200", "field-40"],
)
def test_json_nested_deeper_than_allowed_is_refused(
    outbox: OutboundPipeline, raw: bytes, field: str
) -> None:
    before = _stored(outbox)

    answer = outbox.tenant.api.post("/api-keys", raw_body=raw)

    _refused(answer, 400, field)
    assert "nested more than" in answer.json()["error"]["message"]
    assert _stored(outbox) == before


@pytest.mark.parametrize(
    "number",
    [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"9" * 5000],
    ids=["nan", "infinity", "minus-infinity", "1e999", "5000-digits"],
)
def test_numbers_json_or_postgresql_cannot_hold_are_refused(
    outbox: OutboundPipeline, number: bytes
) -> None:
    before = _stored(outbox)
    raw = b'{"to": ["a@b.example"], "text": "x", "metadata": {"n": ' + number + b"}}"

    answer = outbox.tenant.api.post(INBOX.format(outbox.box.support), raw_body=raw)

    _refused(answer, 400, "body")
    assert _stored(outbox) == before


def _send(**fields: Any) -> dict[str, Any]:
    return {"to": ["a@b.example"], "text": "x", **fields}


NUL_CASES = [
    ("POST", "/api-keys", {"name": "ci\x00"}, "", "name"),
    ("POST", "/attachments", {"filename": "a\x00.pdf"}, "", "filename"),
    ("POST", INBOX, _send(subject="a\x00b"), "", "subject"),
    ("POST", INBOX, _send(text="a\x00b"), "", "text"),
    ("POST", INBOX, _send(html="<p>\x00</p>"), "", "html"),
    ("POST", INBOX, _send(metadata={"k": "v\x00"}), "", "metadata.k"),
    ("POST", INBOX, _send(metadata={"k\x00": "v"}), "", "metadata.k\x00"),
    ("POST", INBOX, _send(labels=["ok", "x\x00"]), "", "labels[1]"),
    ("POST", INBOX, _send(text="lone \ud800 surrogate"), "", "text"),
    ("POST", "/inboxes/{}/drafts", {"subject": "\x00"}, "", "subject"),
    ("POST", INBOX, _send(headers={"X-Slow": "é " * 400_000}), "", "headers.X-Slow"),
    ("GET", "/events", None, "type=message.received%00", "type"),
    ("GET", "/events", None, "after=%00", "after"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "query", "field"),
    NUL_CASES,
    ids=[f"{c[0]} {c[1]} {c[4]!r}"[:80] for c in NUL_CASES],
)
def test_text_that_cannot_be_stored_is_refused_naming_the_field(
    outbox: OutboundPipeline, method: str, path: str, body: Any, query: str, field: str
) -> None:
    before = _stored(outbox)

    answer = outbox.tenant.api.request(
        method, path.format(outbox.box.support), json_body=body, query=query
    )

    _refused(answer, 400, field)
    assert answer.json()["error"]["type"] == "validation_error"
    assert _stored(outbox) == before


def test_a_send_over_the_limit_in_bytes_is_413_however_few_its_characters(
    outbox: OutboundPipeline,
) -> None:
    text = "é" * 3_500_000  # 3.5 M characters, 7 MB of UTF-8: over the 6 MB a send may be

    answer = outbox.tenant.api.post(INBOX.format(outbox.box.support), _send(text=text))

    assert answer.status == 413, answer.json()
    assert _stored(outbox)[0] == 0


def test_any_other_request_over_its_limit_in_bytes_is_413(outbox: OutboundPipeline) -> None:
    before = _stored(outbox)

    answer = outbox.tenant.api.post("/api-keys", {"name": "é" * 600_000})

    _refused(answer, 413, "body")
    assert answer.json()["error"]["type"] == "payload_too_large"
    assert _stored(outbox) == before


def _object(url: str) -> bytes:
    key = urlsplit(url).path.lstrip("/").removeprefix(f"{BUCKET}/")
    body: bytes = (
        boto3.client("s3", region_name="us-east-1")
        .get_object(Bucket=BUCKET, Key=key)["Body"]
        .read()
    )
    return body


def test_a_25_mib_text_is_answered_cut_short_with_a_link_to_all_of_it(
    outbox: OutboundPipeline,
) -> None:
    receive_raw(outbox.box, make_mail())
    [(message_id,)] = outbox.rows("SELECT id FROM messages")
    outbox.rows(
        "UPDATE messages SET text_body = repeat('x', 25 * 1048576), "
        "html_body = repeat('<b>\"é\"</b>', 700000) RETURNING id"
    )

    answer = outbox.tenant.api.get(f"/messages/{message_id}")

    assert answer.status == 200
    assert _payload(answer) < MAX_LAMBDA_RESPONSE_BYTES
    message = answer.json()
    assert message["truncated"] == ["text", "html"]
    assert len(message["text"]) == MAX_INLINE_PART_BYTES - 2
    assert message["html"].startswith('<b>"é"</b>')
    assert _object(message["text_url"]) == b"x" * (25 * 1048576)
    assert _object(message["html_url"]).decode() == '<b>"é"</b>' * 700000


def test_a_page_of_large_messages_ends_early_and_the_token_reads_on(
    outbox: OutboundPipeline,
) -> None:
    for n in range(5):
        receive_raw(outbox.box, make_mail(message_id=f"<big{n}@x>"), source_id=f"s{n}")
    outbox.rows(
        "UPDATE messages SET text_body = repeat(chr(1), 1048576), "
        "html_body = repeat('\"', 1048576), extracted_text = repeat(chr(2), 1048576) "
        "RETURNING id"
    )

    seen: list[str] = []
    pages = 0
    token: str | None = None
    while True:
        query = f"limit=100&page_token={token}" if token else "limit=100"
        answer = outbox.tenant.api.get(INBOX.format(outbox.box.support), query=query)
        assert answer.status == 200
        assert _payload(answer) < MAX_LAMBDA_RESPONSE_BYTES
        pages += 1
        seen += [m["id"] for m in answer.json()["data"]]
        token = answer.json()["next_page_token"]
        if token is None:
            break

    assert pages > 1
    assert sorted(seen) == sorted(str(r[0]) for r in outbox.rows("SELECT id FROM messages"))


def test_a_thread_too_long_to_answer_whole_leaves_out_its_later_bodies(
    outbox: OutboundPipeline,
) -> None:
    receive_raw(outbox.box, make_mail())
    for n in range(1, 6):
        receive_raw(
            outbox.box,
            make_mail(
                message_id=f"<m{n + 1}@elsewhere.example>",
                extra=f"In-Reply-To: <m{n}@elsewhere.example>\r\n",
            ),
            source_id=f"s{n}",
        )
    [(thread_id, count)] = outbox.rows("SELECT thread_id, count(*) FROM messages GROUP BY 1")
    assert count == 6
    outbox.rows(
        "UPDATE messages SET text_body = repeat('\"', 1048576), "
        "html_body = repeat('\"', 1048576) RETURNING id"
    )

    answer = outbox.tenant.api.get(f"/threads/{thread_id}")

    assert answer.status == 200
    assert _payload(answer) < MAX_LAMBDA_RESPONSE_BYTES
    messages = answer.json()["messages"]
    assert len(messages) == 6
    assert messages[0]["truncated"] == ["text", "html"]
    assert messages[0]["text"]
    assert messages[-1]["text"] is None
    assert "text" in messages[-1]["truncated"]


def test_a_header_stored_before_the_allow_list_is_never_sent(outbox: OutboundPipeline) -> None:
    sent = outbox.tenant.api.post(INBOX.format(outbox.box.support), _send()).json()
    outbox.rows(  # as the API stored it before it refused the header
        "UPDATE messages SET headers = %s::jsonb WHERE id = %s RETURNING id",
        json.dumps([{"name": "X-SES-CONFIGURATION-SET", "value": "elsewhere"}]),
        sent["id"],
    )

    result = outbox.run()

    assert result["batchItemFailures"] == []
    failed = outbox.tenant.api.get(f"/messages/{sent['id']}").json()
    assert failed["status"] == "failed"
    assert failed["status_reason"].startswith(
        "the message could not be composed: headers.X-SES-CONFIGURATION-SET"
    )
    assert sent_mail() == []


def test_an_answer_no_budget_held_is_a_500_envelope_rather_than_lost(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    receive_raw(outbox.box, make_mail())
    [(message_id,)] = outbox.rows("SELECT id FROM messages")
    outbox.rows("UPDATE messages SET text_body = repeat('x', 7 * 1048576) RETURNING id")
    monkeypatch.setattr(budget, "clip", lambda text: (text, False))  # as a route without one

    answer = outbox.tenant.api.get(f"/messages/{message_id}")

    assert answer.status == 500
    error = answer.json()["error"]
    assert (error["type"], error["trace_id"]) == ("response_too_large", answer.header("X-Trace-Id"))


def test_an_event_whose_base64_body_is_broken_is_a_400(outbox: OutboundPipeline) -> None:
    event = proxy_event(
        "POST",
        "/api-keys",
        headers=[
            ("Authorization", f"Bearer {outbox.tenant.key}"),
            ("Content-Type", "application/json"),
        ],
    )
    event.update(body="not base64!", isBase64Encoded=True)

    result = ProxyResult.of(api_handler.handler(event, LambdaContext("mailman-api")))

    assert result.status == 400
    assert json.loads(result.body)["error"]["field"] == "body"


def test_a_page_of_threads_with_huge_subjects_ends_early_and_the_token_reads_on(
    outbox: OutboundPipeline,
) -> None:
    for n in range(25):
        receive_raw(
            outbox.box, make_mail(message_id=f"<t{n}@x>", subject=f"T{n}"), source_id=f"t{n}"
        )
    outbox.rows("UPDATE threads SET subject = repeat('\"', 65536) || id RETURNING id")

    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        query = "limit=100" + (f"&page_token={token}" if token else "")
        answer = outbox.tenant.api.get(f"/inboxes/{outbox.box.support}/threads", query=query)
        assert answer.status == 200
        assert _payload(answer) < MAX_LAMBDA_RESPONSE_BYTES
        pages += 1
        seen += [t["id"] for t in answer.json()["data"]]
        token = answer.json()["next_page_token"]
        if token is None:
            break

    assert pages > 1
    assert sorted(seen) == sorted(str(r[0]) for r in outbox.rows("SELECT id FROM threads"))
