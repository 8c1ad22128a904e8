"""The local webhook receiver over real HTTP: it verifies what it receives with
`standardwebhooks`, answers as scripted, keeps connections open and stops cleanly.

Deliveries here are signed by hand (HMAC-SHA256 over "{id}.{timestamp}.{body}"), not by
Mailman's signing code, so the receiver is checked against the standard itself."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import secrets
import threading
import time
from collections.abc import Iterator

import pytest

from local.webhook_receiver import Answer, Received, WebhookReceiver, fail_first, verify
from mailman.domain.webhooks import new_secret, signature_header

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"o" * 32).decode()
BODY = json.dumps(
    {
        "type": "message.received",
        "timestamp": "2026-12-07T10:00:00Z",
        "data": {
            "message_id": "5f1c",
            "message": {
                "from": {"address": "ann@example.org", "name": "Ann"},
                "subject": "Hello there",
                "status": None,
            },
        },
    }
).encode()


def signed(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def delivery_headers(
    body: bytes = BODY,
    *,
    secrets_: tuple[str, ...] = (SECRET,),
    webhook_id: str = "evt_1",
    timestamp: int | None = None,
) -> dict[str, str]:
    at = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(at),
        "webhook-signature": " ".join(signed(s, webhook_id, at, body) for s in secrets_),
    }


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver([SECRET]) as started:
        yield started


def post(
    receiver: WebhookReceiver, body: bytes = BODY, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
    connection.request("POST", "/hooks", body=body, headers=headers or delivery_headers(body))
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_a_signed_delivery_verifies_and_is_answered_204(receiver: WebhookReceiver) -> None:
    response = post(receiver)

    (got,) = receiver.received
    assert response.status == 204
    assert got.verified is True
    assert got.error is None
    assert got.status == 204
    assert got.method == "POST"
    assert got.path == "/hooks"
    assert got.body == BODY
    assert got.webhook_id == "evt_1"
    assert got.type == "message.received"


def test_a_delivery_signed_with_another_secret_is_refused_400(receiver: WebhookReceiver) -> None:
    response = post(receiver, headers=delivery_headers(secrets_=(OTHER_SECRET,)))

    (got,) = receiver.received
    assert response.status == 400
    assert got.verified is False
    assert got.error == "No matching signature found"


def test_a_body_changed_after_signing_is_refused(receiver: WebhookReceiver) -> None:
    headers = delivery_headers(BODY)

    response = post(receiver, BODY.replace(b"Hello", b"Jello"), headers)

    assert response.status == 400
    assert receiver.received[0].verified is False


def test_a_delivery_signed_too_long_ago_is_refused(receiver: WebhookReceiver) -> None:
    response = post(receiver, headers=delivery_headers(timestamp=int(time.time()) - 3600))

    assert response.status == 400
    assert receiver.received[0].error == "Message timestamp too old"


def test_a_delivery_without_signature_headers_is_refused(receiver: WebhookReceiver) -> None:
    response = post(receiver, headers={"Content-Type": "application/json"})

    assert response.status == 400
    assert receiver.received[0].error == "Missing required headers"


@pytest.mark.parametrize("known", [SECRET, OTHER_SECRET])
def test_during_a_rotation_either_secret_verifies_the_two_signatures(known: str) -> None:
    headers = delivery_headers(secrets_=(OTHER_SECRET, SECRET))

    with WebhookReceiver([known]) as receiver:
        response = post(receiver, headers=headers)

    assert response.status == 204
    assert receiver.received[0].verified is True


def test_a_receiver_that_knows_both_secrets_verifies_a_delivery_signed_by_either() -> None:
    with WebhookReceiver([OTHER_SECRET, SECRET]) as receiver:
        response = post(receiver, headers=delivery_headers(secrets_=(SECRET,)))

    assert response.status == 204


def test_what_mailman_signs_verifies() -> None:
    secret = new_secret()
    at = int(time.time())
    headers = {
        "webhook-id": "evt_9",
        "webhook-timestamp": str(at),
        "webhook-signature": signature_header([secret], "evt_9", at, BODY),
    }

    assert verify([secret], BODY, headers) == (True, None)


def test_an_unusable_secret_does_not_verify_and_says_so() -> None:
    ok, error = verify(["whsec_not*base64"], BODY, delivery_headers())

    assert ok is False
    assert error is not None
    assert error.startswith("unusable secret")


def test_without_a_secret_every_delivery_is_taken_unverified() -> None:
    with WebhookReceiver() as receiver:
        response = post(receiver, headers={"webhook-id": "evt_2"})

    assert response.status == 204
    assert receiver.received[0].verified is None


def test_a_secret_set_after_start_verifies_what_arrives_next() -> None:
    with WebhookReceiver() as receiver:
        receiver.secrets = (SECRET,)
        response = post(receiver, headers=delivery_headers(secrets_=(OTHER_SECRET,)))

    assert response.status == 400


def test_scripted_failures_come_first_then_the_usual_answer() -> None:
    with WebhookReceiver([SECRET], script=fail_first(2, 503, retry_after="7")) as receiver:
        answers = [post(receiver) for _ in range(3)]

    assert [a.status for a in answers] == [503, 503, 204]
    assert answers[0].getheader("Retry-After") == "7"
    assert [r.status for r in receiver.received] == [503, 503, 204]
    assert all(r.verified for r in receiver.received)


def test_answers_can_be_scripted_while_running(receiver: WebhookReceiver) -> None:
    receiver.script([Answer(410, b"gone")])

    assert post(receiver).status == 410
    assert post(receiver).status == 204


def test_a_slow_answer_waits_its_delay(receiver: WebhookReceiver) -> None:
    receiver.script([Answer(200, delay_seconds=0.3)])

    started = time.monotonic()
    response = post(receiver)

    assert response.status == 200
    assert time.monotonic() - started >= 0.3


def test_stop_does_not_wait_for_a_long_delay() -> None:
    receiver = WebhookReceiver(script=[Answer(delay_seconds=60)]).start()
    caller = threading.Thread(target=lambda: _post_quietly(receiver), daemon=True)
    caller.start()
    receiver.wait_for(1, timeout=5)

    started = time.monotonic()
    receiver.stop()

    assert time.monotonic() - started < 5
    caller.join(timeout=5)
    assert not caller.is_alive()


def _post_quietly(receiver: WebhookReceiver) -> None:
    try:
        post(receiver)
    except (OSError, http.client.HTTPException):
        return


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_anything_but_post_is_refused_405(receiver: WebhookReceiver, method: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
    connection.request(method, "/")
    response = connection.getresponse()
    response.read()
    connection.close()

    assert response.status == 405
    assert response.getheader("Allow") == "POST"
    assert receiver.received == []


def test_a_body_over_the_limit_is_refused_413() -> None:
    with WebhookReceiver([SECRET], max_body_bytes=100) as receiver:
        response = post(receiver, b"x" * 101, {"Content-Type": "application/json"})

    assert response.status == 413
    assert receiver.received == []


def test_a_chunked_body_is_read_whole_and_verifies(receiver: WebhookReceiver) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
    chunks = iter([BODY[:40], BODY[40:]])
    connection.request("POST", "/", body=chunks, headers=delivery_headers(), encode_chunked=True)
    response = connection.getresponse()
    response.read()
    connection.close()

    assert response.status == 204
    assert receiver.received[0].body == BODY


def test_malformed_chunks_are_refused_400(receiver: WebhookReceiver) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
    connection.putrequest("POST", "/")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders(b"zz\r\nnot hex\r\n0\r\n\r\n")
    response = connection.getresponse()
    response.read()
    connection.close()

    assert response.status == 400
    assert receiver.received == []


def test_one_connection_carries_several_deliveries(receiver: WebhookReceiver) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
    statuses = []
    sockets = set()
    for n in range(3):
        connection.request("POST", "/", body=BODY, headers=delivery_headers(webhook_id=f"e{n}"))
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
        sockets.add(id(connection.sock))
    connection.close()

    assert statuses == [204, 204, 204]
    assert len(sockets) == 1
    assert [r.webhook_id for r in receiver.received] == ["e0", "e1", "e2"]


def test_stop_closes_connections_kept_open() -> None:
    receiver = WebhookReceiver().start()
    connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
    connection.request("POST", "/", body=b"{}")
    connection.getresponse().read()

    receiver.stop()

    with pytest.raises((OSError, http.client.HTTPException)):
        _exchange(connection)
    connection.close()


def _exchange(connection: http.client.HTTPConnection) -> bytes:
    connection.request("POST", "/", body=b"{}")
    return connection.getresponse().read()


def test_every_delivery_is_handed_to_on_receive() -> None:
    seen: list[Received] = []

    with WebhookReceiver([SECRET], on_receive=seen.append) as receiver:
        post(receiver)

    assert [r.webhook_id for r in seen] == ["evt_1"]


def test_wait_for_answers_once_enough_arrived_and_times_out_otherwise(
    receiver: WebhookReceiver,
) -> None:
    threading.Thread(target=lambda: post(receiver), daemon=True).start()

    assert len(receiver.wait_for(1, timeout=5)) == 1
    with pytest.raises(TimeoutError, match="1 of 2 webhooks arrived"):
        receiver.wait_for(2, timeout=0.2)


def test_concurrent_senders_are_all_received(receiver: WebhookReceiver) -> None:
    ids = [secrets.token_hex(4) for _ in range(20)]
    threads = [
        threading.Thread(target=post, args=(receiver, BODY, delivery_headers(webhook_id=i)))
        for i in ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(r.webhook_id or "" for r in receiver.wait_for(20, timeout=5)) == sorted(ids)


def test_the_url_is_loopback_on_the_port_it_listens_on(receiver: WebhookReceiver) -> None:
    assert receiver.url == f"http://127.0.0.1:{receiver.port}/"
    assert receiver.port > 0


def test_a_message_delivery_is_summed_up_by_sender_and_subject(receiver: WebhookReceiver) -> None:
    post(receiver)

    assert receiver.received[0].summary() == 'ann@example.org "Hello there"'


def test_a_sent_message_is_summed_up_with_its_recipients_and_status() -> None:
    message = {
        "from": {"address": "hello@mailman.test"},
        "to": [{"address": "ann@example.org"}, {"address": "bob@example.org"}],
        "subject": "Re: plans",
        "status": "delivered",
    }
    body = json.dumps({"type": "message.delivered", "data": {"message": message}}).encode()

    summary = Received(0.0, "POST", "/", {}, body, None, None, 204).summary()

    assert summary == 'hello@mailman.test -> ann@example.org +1 "Re: plans" status=delivered'


def test_another_event_is_summed_up_by_its_plain_fields() -> None:
    body = json.dumps(
        {"type": "domain.verified", "data": {"domain": "acme.example", "records": [1], "n": 2}}
    ).encode()
    got = Received(0.0, "POST", "/", {}, body, None, None, 204)

    assert got.summary() == "domain=acme.example n=2"
    assert got.type == "domain.verified"


def test_a_body_that_is_not_json_has_no_type_or_summary() -> None:
    got = Received(0.0, "POST", "/", {}, b"not json", None, None, 204)

    assert got.payload is None
    assert got.type is None
    assert got.summary() == ""


def test_a_long_summary_is_cut() -> None:
    body = json.dumps({"type": "t", "data": {"note": "x" * 500}}).encode()

    summary = Received(0.0, "POST", "/", {}, body, None, None, 204).summary()

    assert len(summary) == 100
    assert summary.endswith("...")
