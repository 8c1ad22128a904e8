"""The dispatcher's side of webhooks: one `WebhookWork` in, one attempt, one `AttemptReport`
out.

The dispatcher runs where nothing private can be reached, and still treats every receiver as
hostile: the URL is checked again, the host is resolved now, every address it resolves to
must be public (one private answer refuses the attempt: a name that mixes them is a
rebinding attempt), and the connection goes to the address that was checked, never to a
second lookup's. Redirects are not followed. The secrets travel sealed and are opened here,
only to sign.

One attempt takes at most `ATTEMPT_TIMEOUT_SECONDS` in all, opening the secrets (a KMS call
when a data key is cold: its client gives up well within that time), looking the name up and
the HTTP exchange together: each step gets what the ones before it left, and the sender only
what is left when it connects. `getaddrinfo` takes no deadline, so the lookup runs on a
thread of its own that the attempt stops waiting for once the lookup's share is spent. The
function's timeout counts on it.

A batch (`dispatch_batch`) keeps the order the FIFO queue promises within a group, and only
there: groups run side by side, so a slow receiver delays nothing but its own group. Work
that could not finish its attempt before its lease runs out is dropped unattempted: the
sweep has, or will have, sent it again, and a report under that lease would be stale.
"""

from __future__ import annotations

import base64
import enum
import logging
import math
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, TypeVar
from uuid import uuid4

from mailman.domain.errors import ValidationError
from mailman.domain.webhook_targets import IPAddress, Target, parse_target, refusals
from mailman.domain.webhook_work import (
    AttemptReport,
    HttpAnswer,
    HttpFailure,
    PinnedRequest,
    WebhookWork,
)
from mailman.domain.webhooks import (
    ATTEMPT_TIMEOUT_SECONDS,
    MAX_RETRY_AFTER,
    RESPONSE_BODY_KEPT,
    Outcome,
    signature_header,
)

if TYPE_CHECKING:
    from mailman.ports import Clock, HostResolver, HttpSender, ReportQueue, SecretBox

USER_AGENT = "Mailman-Webhooks/1.0"
DEFAULT_WORKERS = 10
"""Groups attempted at once: a batch of a FIFO queue's event source holds at most ten
messages, so ten workers never leave a group waiting for another."""
LOOKUP_TIMEOUT_SECONDS = 5.0
"""The most of an attempt's time the lookup of the receiver's name may take: a name that has
no answer by then fails the attempt, and the rest of the time is the receiver's."""
REPORTING_SECONDS = 5.0
"""What an invocation keeps for sending its reports: a group starts no item once less than
one attempt and this is left of the invocation (`dispatch_batch`)."""
MAX_ERROR_CHARS = 500
"""An error in the delivery log is cut to this: it quotes what a receiver sent."""
_DELTA_SECONDS = re.compile(r"[0-9]{1,10}")

_log = logging.getLogger(__name__)

T = TypeVar("T")


class _NotAttempted(Exception):
    """The attempt stopped before any connection was made; the message says why."""


class _Unattempted(enum.Enum):
    """Why an item of a batch was dropped without an attempt."""

    EXPIRED = "expired"
    NOT_STARTED = "not started"


@dataclass(frozen=True)
class Dispatched:
    """What a batch came to: a report per item attempted, and the items dropped unattempted
    and unreported (each is sent again by the sweep once its lease runs out)."""

    reports: list[AttemptReport]
    """One per item attempted, in the batch's order; sent to the report queue."""
    expired: list[WebhookWork]
    """Too late: their attempt could not have finished before their lease runs out."""
    not_started: list[WebhookWork]
    """Left when the invocation's time ran short, before their turn came."""


def attempt(
    work: WebhookWork,
    *,
    box: SecretBox,
    resolver: HostResolver,
    http: HttpSender,
    clock: Clock,
    allow_private: bool,
    timeout_seconds: float = ATTEMPT_TIMEOUT_SECONDS,
) -> AttemptReport:
    """Make one attempt at `work` and say how it went. Every failure the receiver, its name or
    its URL can cause is a report (outcome `failed`, the reason in `error`), never an
    exception. `allow_private` (the local platform) lets `http` and loopback and private
    receivers through; the metadata service stays refused.

    `timeout_seconds` is the whole attempt's: opening the secrets, the lookup (at most
    `LOOKUP_TIMEOUT_SECONDS` of it) and the exchange, which gets what the others left.

    The latency is the receiver's: from the request's start (connecting included) to its
    answer or failure; an attempt refused before connecting took none."""
    deadline = time.monotonic() + timeout_seconds
    attempted_at = clock.now()
    try:
        request = _request(
            work, attempted_at, deadline, box=box, resolver=resolver, allow_private=allow_private
        )
    except _NotAttempted as exc:
        return _report(work, attempted_at, 0, Outcome.FAILED, error=str(exc))
    started = time.monotonic()
    try:
        answer = http.post(request)
    except HttpFailure as exc:
        return _report(work, attempted_at, _since(started), Outcome.FAILED, error=str(exc))
    return _answered(work, attempted_at, _since(started), answer)


def dispatch_batch(
    works: Sequence[WebhookWork],
    *,
    box: SecretBox,
    resolver: HostResolver,
    http: HttpSender,
    clock: Clock,
    allow_private: bool,
    reports: ReportQueue,
    time_left: Callable[[], float] | None = None,
    max_workers: int = DEFAULT_WORKERS,
) -> Dispatched:
    """Attempt the items of `works` and send one report per attempt to `reports`.

    Items of one `group` are attempted one after the other, in order; different groups at
    the same time (up to `max_workers`), so no receiver waits behind another's timeout.
    Before each item, two things can drop it, unattempted and unreported (its lease runs
    out and the sweep sends it again):
    - `time_left` (the invocation's, in seconds; None: no limit) is under one attempt and
      `REPORTING_SECONDS`: the group stops there, so the reports of what was attempted are
      sent before the invocation is cut short (which would lose them, and send their
      receivers the same deliveries again);
    - the item's report could not reach the pipeline before its lease runs out: the reports
      go out once the batch is done, at the latest when its longest group's attempts have
      all taken their whole time (by `clock`, from the batch's start), and by then the
      sweep has sent it again or will have, so a report under this lease would be stale
      and the receiver would get it twice. No lookup, no request.

    Should an attempt fail in a way `attempt` does not foresee (the key service refusing to
    open a secret, say), its report says so and the pipeline retries it on schedule: the
    rest of the batch is not sent again. What `reports.send` raises is left to the caller,
    which fails the whole batch so that the queue delivers it again."""

    def attempt_one(work: WebhookWork) -> AttemptReport:
        return attempt(
            work,
            box=box,
            resolver=resolver,
            http=http,
            clock=clock,
            allow_private=allow_private,
        )

    def run_group(indexes: list[int]) -> list[tuple[int, AttemptReport | _Unattempted]]:
        fates: list[tuple[int, AttemptReport | _Unattempted]] = []
        for position, index in enumerate(indexes):
            if _running_out(time_left):
                fates += [(later, _Unattempted.NOT_STARTED) for later in indexes[position:]]
                break
            work = works[index]
            if reports_by > work.lease_expires_at:
                fates.append((index, _Unattempted.EXPIRED))
            else:
                fates.append((index, _guarded(attempt_one, work, clock)))
        return fates

    groups: dict[str, list[int]] = defaultdict(list)
    for index, work in enumerate(works):
        groups[work.group].append(index)
    reports_by = _reports_by(clock.now(), groups.values())
    fates: dict[int, AttemptReport | _Unattempted] = {}
    if groups:
        workers = max(1, min(max_workers, len(groups)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook") as pool:
            for group in pool.map(run_group, groups.values()):
                fates.update(group)
    dispatched = _dispatched(works, fates)
    if dispatched.reports:
        reports.send(dispatched.reports)
    return dispatched


def _dispatched(
    works: Sequence[WebhookWork], fates: dict[int, AttemptReport | _Unattempted]
) -> Dispatched:
    """What became of each item of `works` (by its index), in their order."""

    def dropped(why: _Unattempted) -> list[WebhookWork]:
        return [work for index, work in enumerate(works) if fates[index] is why]

    ordered = [fates[index] for index in range(len(works))]
    return Dispatched(
        reports=[fate for fate in ordered if isinstance(fate, AttemptReport)],
        expired=dropped(_Unattempted.EXPIRED),
        not_started=dropped(_Unattempted.NOT_STARTED),
    )


def _running_out(time_left: Callable[[], float] | None) -> bool:
    """Whether too little of the invocation is left to start an attempt and still report."""
    return time_left is not None and time_left() < ATTEMPT_TIMEOUT_SECONDS + REPORTING_SECONDS


def _reports_by(start: datetime, groups: Iterable[list[int]]) -> datetime:
    """When a batch started at `start` has sent its reports at the latest: its longest group
    attempted item after item, each taking its whole time, then the reports sent."""
    longest = max((len(group) for group in groups), default=0)
    return start + timedelta(seconds=longest * ATTEMPT_TIMEOUT_SECONDS + REPORTING_SECONDS)


def _guarded(
    attempt_one: Callable[[WebhookWork], AttemptReport], work: WebhookWork, clock: Clock
) -> AttemptReport:
    """`attempt_one(work)`, an exception it raises made a failed attempt's report."""
    try:
        return attempt_one(work)
    except Exception as exc:
        _log.exception(
            "webhook attempt failed before any answer",
            extra={"delivery_id": str(work.delivery_id), "endpoint_id": str(work.endpoint_id)},
        )
        error = f"the dispatcher could not make the attempt ({type(exc).__name__})"
        return _report(work, clock.now(), 0, Outcome.FAILED, error=error)


def _request(
    work: WebhookWork,
    at: datetime,
    deadline: float,
    *,
    box: SecretBox,
    resolver: HostResolver,
    allow_private: bool,
) -> PinnedRequest:
    """The signed request, pinned to a checked address, given what is left before `deadline`
    (`time.monotonic()`)."""
    try:
        target = parse_target(work.url, allow_insecure=allow_private)
    except ValidationError as exc:
        raise _NotAttempted(f"refused: {exc.message}") from None
    opened = _opened(work.secrets, box)
    address = _checked_address(target, resolver, deadline, allow_private=allow_private)
    body = work.body.encode()
    timestamp = int(at.timestamp())
    headers = (
        ("webhook-id", work.webhook_id),
        ("webhook-timestamp", str(timestamp)),
        ("webhook-signature", signature_header(opened, work.webhook_id, timestamp, body)),
        ("content-type", "application/json"),
        ("user-agent", USER_AGENT),
    )
    return PinnedRequest(
        scheme=target.scheme,
        host=target.host,
        port=target.port,
        target=target.target,
        address=str(address),
        headers=headers,
        body=body,
        timeout_seconds=_left(deadline, "connecting"),
    )


def _checked_address(
    target: Target, resolver: HostResolver, deadline: float, *, allow_private: bool
) -> IPAddress:
    """The address to connect to: the literal, or the first the host resolves to now, once
    every address it resolves to has been checked."""
    addresses = (
        [target.address] if target.address is not None else _looked_up(target, resolver, deadline)
    )
    refused = refusals(addresses, allow_private=allow_private)
    if refused:
        listed = ", ".join(f"{address} ({reason})" for address, reason in refused)
        raise _NotAttempted(f"refused: {target.host} is not a public address: {listed}")
    return addresses[0]


def _looked_up(target: Target, resolver: HostResolver, deadline: float) -> list[IPAddress]:
    """Every address the host resolves to now, waited for `LOOKUP_TIMEOUT_SECONDS` at most
    (and no longer than the attempt has left)."""
    bound = min(LOOKUP_TIMEOUT_SECONDS, _left(deadline, f"looking {target.host} up"))
    late = f"{target.host}: DNS lookup timed out after {_seconds(bound)} s"
    try:
        addresses = _within(bound, lambda: list(resolver.addresses(target.host, target.port)), late)
    except OSError as exc:
        raise _NotAttempted(f"{target.host} could not be resolved: {exc}") from None
    if not addresses:
        raise _NotAttempted(f"{target.host} resolves to no address")
    return addresses


def _opened(sealed: Sequence[str], box: SecretBox) -> list[str]:
    """The secrets, opened: a KMS call for a data key this container has not opened yet,
    which its client bounds (`mailman.composition.KMS_ATTEMPTS`) and the attempt's deadline
    counts."""
    if not sealed:
        raise _NotAttempted("the endpoint has no signing secret")
    try:
        return [box.open(base64.b64decode(secret, validate=True)) for secret in sealed]
    except ValueError as exc:
        raise _NotAttempted(f"the signing secret could not be opened: {exc}") from None


def _left(deadline: float, before: str) -> float:
    """The seconds left of the attempt; `_NotAttempted` when none are, `before` saying what
    there was no time left for."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise _NotAttempted(f"the attempt's time ran out before {before}")
    return left


def _within(seconds: float, call: Callable[[], T], late: str) -> T:
    """What `call()` answers (or raises), waited for `seconds` at most: `_NotAttempted(late)`
    after that.

    `call` runs on a thread of its own because what it waits for takes no deadline
    (`getaddrinfo`). One given up on finishes alone, holding nothing up: a daemon thread,
    whose late answer is dropped."""
    finished = threading.Event()
    answer: list[T] = []
    raised: list[BaseException] = []

    def run() -> None:
        try:
            answer.append(call())
        except BaseException as exc:  # handed to the waiting thread, which raises it
            raised.append(exc)
        finally:
            finished.set()

    threading.Thread(target=run, name="webhook-attempt-step", daemon=True).start()
    if not finished.wait(seconds):
        raise _NotAttempted(late)
    if raised:
        raise raised[0]
    return answer[0]


def _seconds(value: float) -> str:
    return f"{round(value, 1):g}"


def _answered(
    work: WebhookWork, at: datetime, latency_ms: int, answer: HttpAnswer
) -> AttemptReport:
    """What an HTTP answer makes of the attempt: 2xx delivered, 410 gone, the rest failed
    (a 429 or a 503 with the wait it asked for)."""
    status = answer.status_code
    outcome, retry_after = Outcome.FAILED, None
    error: str | None = _status_text(status)
    if 200 <= status < 300:
        outcome, error = Outcome.DELIVERED, None
    elif status == HTTPStatus.GONE:
        outcome = Outcome.GONE
    elif 300 <= status < 400:
        where = (answer.location or "").strip()[:200] or "none"
        error = f"{error}: redirects are not followed (Location: {where})"
    elif status in (HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE):
        retry_after = retry_after_seconds(answer.retry_after, at)
        if retry_after is not None:
            error = f"{error} (Retry-After: {retry_after} s)"
    return _report(
        work,
        at,
        latency_ms,
        outcome,
        status_code=status,
        error=error,
        response_body=_kept(answer.body),
        retry_after_seconds=retry_after,
    )


def retry_after_seconds(value: str | None, now: datetime) -> int | None:
    """The wait a `Retry-After` header asks for, in seconds from `now` (delta-seconds or an
    HTTP-date; a date past is no wait), up to `MAX_RETRY_AFTER`; None when absent or not
    readable."""
    if value is None:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        seconds = int(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = math.ceil((when - now).total_seconds())
    return max(0, min(seconds, int(MAX_RETRY_AFTER.total_seconds())))


def _status_text(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _kept(body: bytes) -> str:
    """The start of the receiver's answer as text the database keeps (PostgreSQL's text
    takes no NUL)."""
    return body[:RESPONSE_BODY_KEPT].decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _since(started: float) -> int:
    return max(0, round((time.monotonic() - started) * 1000))


def _report(
    work: WebhookWork,
    at: datetime,
    latency_ms: int,
    outcome: Outcome,
    *,
    status_code: int | None = None,
    error: str | None = None,
    response_body: str = "",
    retry_after_seconds: int | None = None,
) -> AttemptReport:
    if error is not None:
        error = error.replace("\x00", "\ufffd")[:MAX_ERROR_CHARS]
    return AttemptReport(
        attempt_id=uuid4(),
        delivery_id=work.delivery_id,
        organization_id=work.organization_id,
        endpoint_id=work.endpoint_id,
        lease=work.lease,
        trigger=work.trigger,
        attempted_at=at,
        latency_ms=latency_ms,
        status_code=status_code,
        error=error,
        response_body=response_body,
        retry_after_seconds=retry_after_seconds,
        outcome=outcome,
    )
