"""The dispatcher's attempts, against fakes of the world (names, HTTP) and a real secret box:
what is refused before any connection, where the connection goes, what is signed and how,
what each answer makes of the attempt, and how a batch keeps order and isolation."""

from __future__ import annotations

import base64
import ipaddress
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from mailman.adapters.clock import SystemClock
from mailman.adapters.http import HttpxSender
from mailman.adapters.memory.clock import FixedClock
from mailman.adapters.secret_box import KeyFileSecretBox
from mailman.domain.errors import DeliveryError
from mailman.domain.webhook_targets import IPAddress
from mailman.domain.webhook_work import (
    AttemptReport,
    HttpAnswer,
    HttpFailure,
    PinnedRequest,
    WebhookWork,
)
from mailman.domain.webhooks import ATTEMPT_TIMEOUT_SECONDS, Outcome, new_secret
from mailman.services.webhooks import dispatch
from mailman.services.webhooks.dispatch import (
    LOOKUP_TIMEOUT_SECONDS,
    REPORTING_SECONDS,
    USER_AGENT,
    Dispatched,
    attempt,
    dispatch_batch,
    retry_after_seconds,
)

PUBLIC = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"
BODY = '{"type":"message.received","timestamp":"2026-12-01T09:00:00Z","data":{"subject":"Hé"}}'


class Resolver:
    """Answers each lookup of a host with the next of its answers (the last one repeated):
    a name whose answer changes between lookups is a rebinding name."""

    def __init__(self, answers: dict[str, list[list[str]]] | None = None) -> None:
        self.answers = answers or {"hooks.example.com": [[PUBLIC]]}
        self.lookups: list[tuple[str, int]] = []

    def addresses(self, host: str, port: int) -> list[IPAddress]:
        self.lookups.append((host, port))
        if host not in self.answers:
            raise OSError(f"[Errno -2] {host}: Name or service not known")
        queue = self.answers[host]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return [ipaddress.ip_address(a) for a in answer]


class Sender:
    """Records each request; answers with `answer(request)` (an HttpAnswer, or raises)."""

    def __init__(self, answer: Callable[[PinnedRequest], HttpAnswer] | None = None) -> None:
        self.answer = answer or (lambda _: HttpAnswer(200, None, b"ok"))
        self.requests: list[PinnedRequest] = []
        self._lock = threading.Lock()

    def post(self, request: PinnedRequest) -> HttpAnswer:
        with self._lock:
            self.requests.append(request)
        return self.answer(request)


class Reports:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[list[AttemptReport]] = []
        self.fail = fail

    def send(self, reports: Sequence[AttemptReport]) -> None:
        if self.fail:
            raise DeliveryError("the report queue could not take the reports")
        self.sent.append(list(reports))


class SlowResolver(Resolver):
    """A resolver whose every lookup first takes `takes()`'s time."""

    def __init__(self, takes: Callable[[], object]) -> None:
        super().__init__()
        self.takes = takes

    def addresses(self, host: str, port: int) -> list[IPAddress]:
        self.takes()
        return super().addresses(host, port)


class SlowBox:
    """A secret box whose every opening first takes `takes()`'s time (a KMS call on a data
    key the container has not opened yet)."""

    def __init__(self, box: KeyFileSecretBox, takes: Callable[[], object]) -> None:
        self.box = box
        self.takes = takes

    def seal(self, secret: str) -> bytes:
        return self.box.seal(secret)

    def open(self, sealed: bytes) -> str:
        self.takes()
        return self.box.open(sealed)


class Ticks:
    """The dispatcher's `time.monotonic`, moved on by the test's fakes alone."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> Callable[[], None]:
        def move() -> None:
            self.now += seconds

        return move


@pytest.fixture
def ticks(monkeypatch: pytest.MonkeyPatch) -> Ticks:
    ticks = Ticks()
    monkeypatch.setattr(dispatch, "time", ticks)
    return ticks


@pytest.fixture
def stuck() -> Iterator[threading.Event]:
    """Something that never answers while the test runs (then lets its thread go)."""
    released = threading.Event()
    yield released
    released.set()


def _answering(status: int, **headers: str) -> Sender:
    return Sender(
        lambda _: HttpAnswer(
            status, headers.get("retry_after"), b"answer", location=headers.get("location")
        )
    )


@pytest.fixture
def box(tmp_path: Path) -> KeyFileSecretBox:
    return KeyFileSecretBox(tmp_path / "webhook-secrets.key")


def _sealed(box: KeyFileSecretBox, *secrets: str) -> list[str]:
    return [base64.b64encode(box.seal(s)).decode() for s in secrets]


def _work(
    box: KeyFileSecretBox, url: str = "https://hooks.example.com/in?x=1", **kw: object
) -> WebhookWork:
    fields: dict[str, object] = {
        "delivery_id": uuid.uuid4(),
        "organization_id": uuid.uuid4(),
        "endpoint_id": uuid.uuid4(),
        "lease": uuid.uuid4(),
        "lease_expires_at": datetime(2100, 1, 1, tzinfo=UTC),
        "webhook_id": f"evt_{uuid.uuid4().hex}",
        "url": url,
        "secrets": _sealed(box, new_secret()),
        "body": BODY,
        "trigger": "automatic",
        "group": "endpoint-1:thread-1",
    }
    fields.update(kw)
    return WebhookWork.model_validate(fields)


def _attempt(
    work: WebhookWork,
    box: KeyFileSecretBox | SlowBox,
    *,
    resolver: Resolver | None = None,
    http: Sender | None = None,
    clock: FixedClock | SystemClock | None = None,
    allow_private: bool = False,
    timeout_seconds: float = ATTEMPT_TIMEOUT_SECONDS,
) -> AttemptReport:
    return attempt(
        work,
        box=box,
        resolver=resolver or Resolver(),
        http=http or Sender(),
        clock=clock or SystemClock(),
        allow_private=allow_private,
        timeout_seconds=timeout_seconds,
    )


# --- refused before any connection -------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        (["10.0.0.7"], "10.0.0.7 (private)"),
        (["127.0.0.1"], "127.0.0.1 (loopback)"),
        (["169.254.169.254"], "169.254.169.254 (metadata)"),
        (["::ffff:10.0.0.1"], "::ffff:a00:1 (private)"),
        (["fd00:ec2::254"], "fd00:ec2::254 (metadata)"),
        (["100.64.1.1"], "100.64.1.1 (shared)"),
    ],
)
def test_a_name_resolving_to_an_address_that_is_not_public_is_refused_unconnected(
    box: KeyFileSecretBox, answer: list[str], named: str
) -> None:
    http = Sender()

    report = _attempt(
        _work(box), box, resolver=Resolver({"hooks.example.com": [answer]}), http=http
    )

    assert report.outcome is Outcome.FAILED
    assert report.error is not None
    assert named in report.error
    assert "refused" in report.error
    assert report.status_code is None
    assert report.latency_ms == 0
    assert http.requests == []


def test_a_name_resolving_to_public_and_private_addresses_is_refused(box: KeyFileSecretBox) -> None:
    http = Sender()
    resolver = Resolver({"hooks.example.com": [[PUBLIC, "192.168.1.1", PUBLIC_V6]]})

    report = _attempt(_work(box), box, resolver=resolver, http=http)

    assert report.outcome is Outcome.FAILED
    assert report.error is not None
    assert "192.168.1.1 (private)" in report.error
    assert PUBLIC not in report.error
    assert http.requests == []


def test_dns_rebinding_the_connection_goes_to_the_address_checked(box: KeyFileSecretBox) -> None:
    # The name answers a public address, then loopback to any later lookup.
    resolver = Resolver({"hooks.example.com": [[PUBLIC], ["127.0.0.1"]]})
    http = Sender()

    first = _attempt(_work(box), box, resolver=resolver, http=http)

    assert first.outcome is Outcome.DELIVERED
    assert resolver.lookups == [("hooks.example.com", 443)]  # no second lookup to connect
    assert [r.address for r in http.requests] == [PUBLIC]
    assert http.requests[0].host == "hooks.example.com"

    second = _attempt(_work(box), box, resolver=resolver, http=http)

    assert second.outcome is Outcome.FAILED
    assert second.error is not None
    assert "127.0.0.1 (loopback)" in second.error
    assert len(http.requests) == 1


def test_the_first_checked_address_is_the_one_connected_to(box: KeyFileSecretBox) -> None:
    resolver = Resolver({"hooks.example.com": [[PUBLIC_V6, PUBLIC]]})
    http = Sender()

    _attempt(_work(box), box, resolver=resolver, http=http)

    assert [r.address for r in http.requests] == [PUBLIC_V6]


@pytest.mark.parametrize(
    "url",
    [
        "https://2130706433/in",
        "https://0x7f.1/in",
        "https://0177.0.0.1/in",
        "https://[::ffff:127.0.0.1]/in",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/",
        "https://10.1.2.3/",
    ],
)
def test_an_address_in_the_url_is_checked_without_a_lookup(box: KeyFileSecretBox, url: str) -> None:
    resolver, http = Resolver(), Sender()

    report = _attempt(_work(box, url=url), box, resolver=resolver, http=http)

    assert report.outcome is Outcome.FAILED
    assert report.error is not None
    assert "refused" in report.error
    assert resolver.lookups == []
    assert http.requests == []


def test_a_public_address_in_the_url_is_connected_to_without_a_lookup(
    box: KeyFileSecretBox,
) -> None:
    resolver, http = Resolver(), Sender()

    report = _attempt(
        _work(box, url=f"https://{PUBLIC}:8443/in"), box, resolver=resolver, http=http
    )

    assert report.outcome is Outcome.DELIVERED
    assert resolver.lookups == []
    request = http.requests[0]
    assert (request.host, request.address, request.port) == (PUBLIC, PUBLIC, 8443)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/in", "must be https"),
        ("https://user:pw@hooks.example.com/in", "credentials"),
        ("ftp://hooks.example.com/in", "must be https"),
    ],
)
def test_a_url_that_is_not_a_receiver_is_refused_unresolved(
    box: KeyFileSecretBox, url: str, reason: str
) -> None:
    resolver, http = Resolver(), Sender()

    report = _attempt(_work(box, url=url), box, resolver=resolver, http=http)

    assert report.outcome is Outcome.FAILED
    assert report.error is not None
    assert reason in report.error
    assert resolver.lookups == []
    assert http.requests == []


def test_the_metadata_service_is_refused_even_on_the_local_platform(box: KeyFileSecretBox) -> None:
    http = Sender()
    resolver = Resolver({"metadata.test": [["169.254.169.254"]]})

    report = _attempt(
        _work(box, url="http://metadata.test/"),
        box,
        resolver=resolver,
        http=http,
        allow_private=True,
    )

    assert report.error is not None
    assert "metadata" in report.error
    assert http.requests == []


def test_the_local_platform_delivers_over_http_to_loopback(box: KeyFileSecretBox) -> None:
    http = Sender()

    report = _attempt(
        _work(box, url="http://127.0.0.1:8025/hook"), box, http=http, allow_private=True
    )

    assert report.outcome is Outcome.DELIVERED
    request = http.requests[0]
    assert (request.scheme, request.address, request.port) == ("http", "127.0.0.1", 8025)


def test_a_name_that_does_not_resolve_fails_the_attempt(box: KeyFileSecretBox) -> None:
    http = Sender()

    report = _attempt(_work(box, url="https://nowhere.example/in"), box, http=http)

    assert report.outcome is Outcome.FAILED
    assert report.error is not None
    assert "nowhere.example could not be resolved" in report.error
    assert http.requests == []


@pytest.mark.parametrize(
    "secrets",
    [[], ["not base64!"], [base64.b64encode(b"\x01garbage-not-sealed-by-this-key").decode()]],
)
def test_a_secret_that_cannot_be_opened_fails_the_attempt_unsent(
    box: KeyFileSecretBox, secrets: list[str]
) -> None:
    http = Sender()

    report = _attempt(_work(box, secrets=secrets), box, http=http)

    assert report.outcome is Outcome.FAILED
    assert report.error is not None
    assert "secret" in report.error
    assert http.requests == []


def test_a_secret_sealed_under_another_key_fails_the_attempt(
    box: KeyFileSecretBox, tmp_path: Path
) -> None:
    other = KeyFileSecretBox(tmp_path / "other.key")
    http = Sender()

    report = _attempt(_work(box, secrets=_sealed(other, new_secret())), box, http=http)

    assert report.error is not None
    assert "could not be opened" in report.error
    assert http.requests == []


# --- the request ---------------------------------------------------------------------------


def test_the_request_is_standard_webhooks_v1_and_verifies(box: KeyFileSecretBox) -> None:
    secret = new_secret()
    work = _work(box, secrets=_sealed(box, secret))
    http = Sender()
    clock = SystemClock()

    _attempt(work, box, http=http, clock=clock)

    request = http.requests[0]
    headers = dict(request.headers)
    assert request.body == BODY.encode()
    assert headers["webhook-id"] == work.webhook_id
    assert abs(int(headers["webhook-timestamp"]) - clock.now().timestamp()) < 5
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == USER_AGENT
    assert (request.scheme, request.host, request.port) == ("https", "hooks.example.com", 443)
    assert request.target == "/in?x=1"
    assert ATTEMPT_TIMEOUT_SECONDS - 1 < request.timeout_seconds <= ATTEMPT_TIMEOUT_SECONDS
    assert Webhook(secret).verify(request.body, headers) == {
        "type": "message.received",
        "timestamp": "2026-12-01T09:00:00Z",
        "data": {"subject": "Hé"},
    }


def test_the_timestamp_is_the_attempts_in_whole_seconds(box: KeyFileSecretBox) -> None:
    clock = FixedClock(datetime(2026, 12, 1, 9, 0, 0, 999_000, tzinfo=UTC))
    http = Sender()

    report = _attempt(_work(box), box, http=http, clock=clock)

    assert dict(http.requests[0].headers)["webhook-timestamp"] == str(
        int(datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC).timestamp())
    )
    assert report.attempted_at == clock.at


def test_a_body_tampered_with_or_another_secret_does_not_verify(box: KeyFileSecretBox) -> None:
    secret = new_secret()
    http = Sender()
    _attempt(_work(box, secrets=_sealed(box, secret)), box, http=http)
    request = http.requests[0]
    headers = dict(request.headers)

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body.replace(b"received", b"deleted"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(request.body, headers)


def test_during_a_rotation_each_secret_alone_verifies(box: KeyFileSecretBox) -> None:
    current, previous = new_secret(), new_secret()
    http = Sender()

    _attempt(_work(box, secrets=_sealed(box, current, previous)), box, http=http)

    request = http.requests[0]
    headers = dict(request.headers)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert all(s.startswith("v1,") for s in headers["webhook-signature"].split(" "))
    Webhook(current).verify(request.body, headers)
    Webhook(previous).verify(request.body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(request.body, headers)


def test_every_attempt_at_a_work_carries_the_same_webhook_id(box: KeyFileSecretBox) -> None:
    work = _work(box)
    http = Sender(lambda _: HttpAnswer(500, None, b""))

    first = _attempt(work, box, http=http)
    second = _attempt(work, box, http=http)

    ids = [dict(r.headers)["webhook-id"] for r in http.requests]
    assert ids == [work.webhook_id, work.webhook_id]
    assert first.attempt_id != second.attempt_id


# --- what an answer makes of the attempt -------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome", "error"),
    [
        (200, Outcome.DELIVERED, None),
        (201, Outcome.DELIVERED, None),
        (204, Outcome.DELIVERED, None),
        (299, Outcome.DELIVERED, None),
        (301, Outcome.FAILED, "HTTP 301 Moved Permanently: redirects are not followed"),
        (302, Outcome.FAILED, "HTTP 302 Found: redirects are not followed"),
        (307, Outcome.FAILED, "redirects are not followed"),
        (308, Outcome.FAILED, "redirects are not followed"),
        (400, Outcome.FAILED, "HTTP 400 Bad Request"),
        (401, Outcome.FAILED, "HTTP 401 Unauthorized"),
        (404, Outcome.FAILED, "HTTP 404 Not Found"),
        (410, Outcome.GONE, "HTTP 410 Gone"),
        (429, Outcome.FAILED, "HTTP 429 Too Many Requests"),
        (500, Outcome.FAILED, "HTTP 500 Internal Server Error"),
        (502, Outcome.FAILED, "HTTP 502 Bad Gateway"),
        (503, Outcome.FAILED, "HTTP 503 Service Unavailable"),
        (599, Outcome.FAILED, "HTTP 599"),
    ],
)
def test_each_status_makes_its_outcome(
    box: KeyFileSecretBox, status: int, outcome: Outcome, error: str | None
) -> None:
    report = _attempt(_work(box), box, http=_answering(status))

    assert report.outcome is outcome
    assert report.status_code == status
    assert report.response_body == "answer"
    if error is None:
        assert report.error is None
    else:
        assert report.error is not None
        assert error in report.error
    assert report.retry_after_seconds is None


def test_a_redirect_is_reported_with_where_it_pointed_and_not_followed(
    box: KeyFileSecretBox,
) -> None:
    http = _answering(302, location="http://169.254.169.254/latest/meta-data/")

    report = _attempt(_work(box), box, http=http)

    assert report.error == (
        "HTTP 302 Found: redirects are not followed "
        "(Location: http://169.254.169.254/latest/meta-data/)"
    )
    assert len(http.requests) == 1


def test_a_redirect_without_a_location_says_so(box: KeyFileSecretBox) -> None:
    report = _attempt(_work(box), box, http=_answering(303))

    assert report.error is not None
    assert report.error.endswith("(Location: none)")


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_reported(box: KeyFileSecretBox, status: int) -> None:
    report = _attempt(_work(box), box, http=_answering(status, retry_after="120"))

    assert report.outcome is Outcome.FAILED
    assert report.retry_after_seconds == 120
    assert report.error is not None
    assert "Retry-After: 120 s" in report.error


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_as_an_http_date_is_reported_in_seconds(
    box: KeyFileSecretBox, status: int
) -> None:
    clock = FixedClock(datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC))
    http = _answering(status, retry_after="Tue, 01 Dec 2026 09:01:30 GMT")

    report = _attempt(_work(box), box, http=http, clock=clock)

    assert report.retry_after_seconds == 90


def test_retry_after_is_ignored_on_other_statuses(box: KeyFileSecretBox) -> None:
    report = _attempt(_work(box), box, http=_answering(500, retry_after="120"))

    assert report.retry_after_seconds is None


NOW = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0),
        ("  45 ", 45),
        ("3600", 3600),
        ("86400", 3600),  # capped at MAX_RETRY_AFTER
        ("99999999999999999999", None),
        ("Tue, 01 Dec 2026 09:00:10 GMT", 10),
        ("Tuesday, 01-Dec-26 09:00:10 GMT", 10),  # RFC 850
        ("Tue Dec  1 09:00:10 2026", 10),  # asctime
        ("Mon, 30 Nov 2026 09:00:00 GMT", 0),  # in the past: no wait
        ("Wed, 01 Dec 2027 09:00:00 GMT", 3600),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_in_both_forms(value: str | None, seconds: int | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds


def test_an_http_failure_is_a_failed_attempt_with_its_reason(box: KeyFileSecretBox) -> None:
    def fail(_: PinnedRequest) -> HttpAnswer:
        raise HttpFailure("timed out after 15 s (waiting for the answer)")

    report = _attempt(_work(box), box, http=Sender(fail))

    assert report.outcome is Outcome.FAILED
    assert report.status_code is None
    assert report.error == "timed out after 15 s (waiting for the answer)"
    assert report.response_body == ""


def test_the_answer_is_kept_to_4_kb_as_text(box: KeyFileSecretBox) -> None:
    body = ("x" + "é" * 3000).encode()  # 6,001 bytes; the cut falls inside a character
    report = _attempt(_work(box), box, http=Sender(lambda _: HttpAnswer(500, None, body)))

    assert report.response_body == "x" + "é" * 2047 + "\ufffd"


def test_an_answer_that_is_not_text_is_kept_readable(box: KeyFileSecretBox) -> None:
    report = _attempt(
        _work(box), box, http=Sender(lambda _: HttpAnswer(200, None, b"ok\x00\xff\xfe!"))
    )

    assert report.response_body == "ok\ufffd\ufffd\ufffd!"


def test_the_report_carries_the_works_ids_and_the_latency(box: KeyFileSecretBox) -> None:
    work = _work(box, trigger="manual")

    def slow(_: PinnedRequest) -> HttpAnswer:
        time.sleep(0.03)
        return HttpAnswer(204, None, b"")

    report = _attempt(work, box, http=Sender(slow))

    assert (report.delivery_id, report.organization_id, report.endpoint_id, report.lease) == (
        work.delivery_id,
        work.organization_id,
        work.endpoint_id,
        work.lease,
    )
    assert report.trigger == "manual"
    assert report.latency_ms >= 30
    assert report.attempt_id.version == 4


def test_the_sender_connects_to_an_address_only(box: KeyFileSecretBox) -> None:
    request = PinnedRequest("https", "hooks.example.com", 443, "/", "hooks.example.com", (), b"")

    with pytest.raises(HttpFailure, match="not an address"):
        HttpxSender().post(request)


# --- a batch -----------------------------------------------------------------------------


def _dispatch(
    works: Iterable[WebhookWork],
    box: KeyFileSecretBox | SlowBox,
    http: Sender,
    reports: Reports,
    *,
    max_workers: int = 10,
    clock: FixedClock | SystemClock | None = None,
    resolver: Resolver | None = None,
    time_left: Callable[[], float] | None = None,
) -> Dispatched:
    return dispatch_batch(
        list(works),
        box=box,
        resolver=resolver or Resolver(),
        http=http,
        clock=clock or SystemClock(),
        allow_private=False,
        reports=reports,
        time_left=time_left,
        max_workers=max_workers,
    )


def test_a_batch_reports_every_attempt_once_in_the_order_given(box: KeyFileSecretBox) -> None:
    works = [_work(box, group=f"g{n % 3}") for n in range(9)]
    reports = Reports()

    done = _dispatch(works, box, Sender(), reports).reports

    assert [r.delivery_id for r in done] == [w.delivery_id for w in works]
    assert reports.sent == [done]
    assert all(r.outcome is Outcome.DELIVERED for r in done)


def test_a_groups_items_are_attempted_one_at_a_time_in_order(box: KeyFileSecretBox) -> None:
    works = [_work(box, group=f"g{n % 2}", webhook_id=f"evt_{n:02}") for n in range(12)]
    in_flight: dict[str, int] = {"g0": 0, "g1": 0}
    most = {"g0": 0, "g1": 0}
    lock = threading.Lock()
    group_of = {w.webhook_id: w.group for w in works}

    def answer(request: PinnedRequest) -> HttpAnswer:
        group = group_of[dict(request.headers)["webhook-id"]]
        with lock:
            in_flight[group] += 1
            most[group] = max(most[group], in_flight[group])
        time.sleep(0.005)
        with lock:
            in_flight[group] -= 1
        return HttpAnswer(200, None, b"")

    http = Sender(answer)

    _dispatch(works, box, http, Reports())

    sent = [dict(r.headers)["webhook-id"] for r in http.requests]
    for group in ("g0", "g1"):
        order = [i for i in sent if group_of[i] == group]
        assert order == sorted(order)
    assert most == {"g0": 1, "g1": 1}


def test_a_slow_receiver_does_not_hold_up_other_groups(box: KeyFileSecretBox) -> None:
    slow = _work(box, url="https://slow.example.com/", group="slow")
    fast = [_work(box, group="fast") for _ in range(3)]
    fast_done = threading.Event()
    answered: list[str] = []

    def answer(request: PinnedRequest) -> HttpAnswer:
        if request.host == "slow.example.com":
            # Waits for the other group: were the groups attempted one after the other,
            # slow first, this would wait out its 5 s and fail the test.
            assert fast_done.wait(timeout=5)
        else:
            answered.append(request.host)
            if len(answered) == len(fast):
                fast_done.set()
        return HttpAnswer(200, None, b"")

    resolver = Resolver({"slow.example.com": [[PUBLIC]], "hooks.example.com": [[PUBLIC]]})
    reports = Reports()

    done = dispatch_batch(
        [slow, *fast],
        box=box,
        resolver=resolver,
        http=Sender(answer),
        clock=SystemClock(),
        allow_private=False,
        reports=reports,
    ).reports

    assert [r.outcome for r in done] == [Outcome.DELIVERED] * 4


def test_an_unforeseen_failure_fails_only_its_own_attempt(box: KeyFileSecretBox) -> None:
    good = _work(box, group="a")
    bad = _work(box, group="b", url="https://broken.example.com/")
    after = _work(box, group="b")

    def answer(request: PinnedRequest) -> HttpAnswer:
        if request.host == "broken.example.com":
            raise RuntimeError("the key service is down")
        return HttpAnswer(200, None, b"")

    resolver = Resolver({"broken.example.com": [[PUBLIC]], "hooks.example.com": [[PUBLIC]]})
    reports = Reports()

    done = dispatch_batch(
        [good, bad, after],
        box=box,
        resolver=resolver,
        http=Sender(answer),
        clock=SystemClock(),
        allow_private=False,
        reports=reports,
    ).reports

    assert [r.outcome for r in done] == [Outcome.DELIVERED, Outcome.FAILED, Outcome.DELIVERED]
    assert done[1].error == "the dispatcher could not make the attempt (RuntimeError)"
    assert reports.sent == [done]


def test_one_worker_still_attempts_every_group(box: KeyFileSecretBox) -> None:
    works = [_work(box, group=f"g{n}") for n in range(5)]

    done = _dispatch(works, box, Sender(), Reports(), max_workers=1)

    assert len(done.reports) == 5


def test_a_report_queue_failure_fails_the_batch(box: KeyFileSecretBox) -> None:
    with pytest.raises(DeliveryError):
        _dispatch([_work(box)], box, Sender(), Reports(fail=True))


def test_an_empty_batch_reports_nothing(box: KeyFileSecretBox) -> None:
    reports = Reports()

    assert _dispatch([], box, Sender(), reports) == Dispatched([], [], [])
    assert reports.sent == []


def test_reports_stay_in_the_past_of_the_attempt(box: KeyFileSecretBox) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)

    report = _attempt(_work(box), box)

    assert before <= report.attempted_at <= datetime.now(UTC)


# --- one attempt's time, in all ----------------------------------------------------------


@pytest.mark.parametrize(
    ("lookup", "opening", "left"), [(0.0, 4.0, 11.0), (3.0, 0.0, 12.0), (3.0, 4.0, 8.0)]
)
def test_the_lookup_and_opening_the_secrets_take_their_time_from_the_exchange(
    box: KeyFileSecretBox, ticks: Ticks, lookup: float, opening: float, left: float
) -> None:
    http = Sender()

    report = _attempt(
        _work(box),
        SlowBox(box, ticks.advance(opening)),
        resolver=SlowResolver(ticks.advance(lookup)),
        http=http,
    )

    assert report.outcome is Outcome.DELIVERED
    assert [r.timeout_seconds for r in http.requests] == [left]


@pytest.mark.parametrize(
    ("opening", "lookup", "error"),
    [
        (16.0, 0.0, "the attempt's time ran out before looking hooks.example.com up"),
        (15.0, 0.0, "the attempt's time ran out before looking hooks.example.com up"),
        (10.0, 6.0, "the attempt's time ran out before connecting"),
    ],
)
def test_an_attempt_whose_time_is_gone_before_connecting_fails_unsent(
    box: KeyFileSecretBox, ticks: Ticks, opening: float, lookup: float, error: str
) -> None:
    http = Sender()

    report = _attempt(
        _work(box),
        SlowBox(box, ticks.advance(opening)),
        resolver=SlowResolver(ticks.advance(lookup)),
        http=http,
    )

    assert report.outcome is Outcome.FAILED
    assert report.error == error
    assert (report.status_code, report.latency_ms) == (None, 0)
    assert http.requests == []


def test_an_address_in_the_url_whose_time_went_opening_the_secrets_is_not_connected_to(
    box: KeyFileSecretBox, ticks: Ticks
) -> None:
    http = Sender()

    report = _attempt(
        _work(box, url=f"https://{PUBLIC}/in"), SlowBox(box, ticks.advance(15.5)), http=http
    )

    assert report.error == "the attempt's time ran out before connecting"
    assert http.requests == []


def test_a_lookup_that_outlasts_its_share_of_the_attempt_fails_it_at_once(
    box: KeyFileSecretBox, stuck: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatch, "LOOKUP_TIMEOUT_SECONDS", 0.2)
    http = Sender()
    started = time.monotonic()

    report = _attempt(_work(box), box, resolver=SlowResolver(lambda: stuck.wait(10)), http=http)

    assert time.monotonic() - started < 2
    assert report.outcome is Outcome.FAILED
    assert report.error == "hooks.example.com: DNS lookup timed out after 0.2 s"
    assert report.latency_ms == 0
    assert http.requests == []


def test_a_lookup_gets_no_more_than_the_attempt_has_left(
    box: KeyFileSecretBox, stuck: threading.Event
) -> None:
    http = Sender()
    started = time.monotonic()

    report = _attempt(
        _work(box),
        box,
        resolver=SlowResolver(lambda: stuck.wait(10)),
        http=http,
        timeout_seconds=0.3,
    )

    assert time.monotonic() - started < 2
    assert report.error == "hooks.example.com: DNS lookup timed out after 0.3 s"
    assert http.requests == []


def test_the_lookup_has_a_third_of_the_attempt_at_most() -> None:
    assert 0 < LOOKUP_TIMEOUT_SECONDS <= ATTEMPT_TIMEOUT_SECONDS / 3


def test_a_slow_opening_of_the_secrets_leaves_the_lookup_less_time(
    box: KeyFileSecretBox, ticks: Ticks, stuck: threading.Event
) -> None:
    http = Sender()
    started = time.monotonic()

    report = _attempt(
        _work(box),
        SlowBox(box, ticks.advance(ATTEMPT_TIMEOUT_SECONDS - 0.3)),
        resolver=SlowResolver(lambda: stuck.wait(10)),
        http=http,
    )

    assert time.monotonic() - started < 2
    assert report.error == "hooks.example.com: DNS lookup timed out after 0.3 s"
    assert http.requests == []


def test_the_key_service_failing_to_open_a_secret_fails_only_that_attempt(
    box: KeyFileSecretBox,
) -> None:
    def refused() -> None:
        raise RuntimeError("KMS: AccessDeniedException")

    reports = Reports()

    done = _dispatch([_work(box)], SlowBox(box, refused), Sender(), reports)

    [report] = done.reports
    assert report.outcome is Outcome.FAILED
    assert report.error == "the dispatcher could not make the attempt (RuntimeError)"
    assert reports.sent == [done.reports]


# --- work that comes too late ------------------------------------------------------------


def test_work_whose_report_cannot_arrive_before_its_lease_runs_out_is_dropped_unattempted(
    box: KeyFileSecretBox,
) -> None:
    clock = FixedClock(NOW)
    in_time = NOW + timedelta(seconds=ATTEMPT_TIMEOUT_SECONDS + REPORTING_SECONDS)
    fits = _work(box, group="a", lease_expires_at=in_time)
    late = _work(box, group="b", lease_expires_at=in_time - timedelta(seconds=0.1))
    gone = _work(box, group="c", lease_expires_at=NOW - timedelta(minutes=1))
    resolver, http, reports = Resolver(), Sender(), Reports()

    done = _dispatch([late, fits, gone], box, http, reports, clock=clock, resolver=resolver)

    assert done.expired == [late, gone]
    assert [r.delivery_id for r in done.reports] == [fits.delivery_id]
    assert reports.sent == [done.reports]
    assert len(resolver.lookups) == 1
    assert len(http.requests) == 1
    assert done.not_started == []


def test_the_reports_wait_for_the_longest_group_so_its_length_bounds_every_lease(
    box: KeyFileSecretBox,
) -> None:
    """Three items in one group: the reports may go out three attempts' time from now, so a
    lease ending before that is too short for any item of the batch, in any group."""
    clock = FixedClock(NOW)
    bound = NOW + timedelta(seconds=3 * ATTEMPT_TIMEOUT_SECONDS + REPORTING_SECONDS)
    long_group = [_work(box, group="long", lease_expires_at=bound) for _ in range(3)]
    short_fits = _work(box, group="short", lease_expires_at=bound)
    short_late = _work(box, group="other", lease_expires_at=bound - timedelta(seconds=1))
    http = Sender()

    done = _dispatch([*long_group, short_fits, short_late], box, http, Reports(), clock=clock)

    assert done.expired == [short_late]
    assert len(done.reports) == 4
    assert len(http.requests) == 4


def test_a_batch_of_stale_work_reports_nothing(box: KeyFileSecretBox) -> None:
    works = [_work(box, group=f"g{n}", lease_expires_at=NOW) for n in range(3)]
    http, reports = Sender(), Reports()

    done = _dispatch(works, box, http, reports, clock=FixedClock(NOW))

    assert done == Dispatched([], works, [])
    assert reports.sent == []
    assert http.requests == []


# --- the invocation's time -----------------------------------------------------------------

ENOUGH = ATTEMPT_TIMEOUT_SECONDS + REPORTING_SECONDS
"""The least of the invocation a group needs left to start an item."""


def test_a_group_takes_no_more_items_once_the_invocation_runs_short(
    box: KeyFileSecretBox,
) -> None:
    works = [_work(box) for _ in range(3)]
    left = iter([60.0, ENOUGH - 0.1])
    http, reports = Sender(), Reports()

    done = _dispatch(works, box, http, reports, time_left=lambda: next(left))

    assert [r.delivery_id for r in done.reports] == [works[0].delivery_id]
    assert reports.sent == [done.reports]
    assert done.not_started == works[1:]
    assert done.expired == []
    assert len(http.requests) == 1


@pytest.mark.parametrize(("left", "started"), [(ENOUGH, True), (ENOUGH - 0.001, False)])
def test_an_item_starts_with_one_attempt_and_the_reporting_left(
    box: KeyFileSecretBox, left: float, started: bool
) -> None:
    work = _work(box)
    http, reports = Sender(), Reports()

    done = _dispatch([work], box, http, reports, time_left=lambda: left)

    assert len(http.requests) == int(started)
    assert len(done.reports) == int(started)
    assert done.not_started == ([] if started else [work])
    assert reports.sent == ([done.reports] if started else [])
