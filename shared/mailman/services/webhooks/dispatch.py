"""The dispatcher's side of webhooks: one `WebhookWork` in, one attempt, one `AttemptReport`
out.

The dispatcher runs where nothing private can be reached, and still treats every receiver as
hostile: the URL is checked again, the host is resolved now, every address it resolves to
must be public (one private answer refuses the attempt: a name that mixes them is a
rebinding attempt), and the connection goes to the address that was checked, never to a
second lookup's. Redirects are not followed. The secrets travel sealed and are opened here,
only to sign.

A batch (`dispatch_batch`) keeps the order the FIFO queue promises within a group, and only
there: groups run side by side, so a slow receiver delays nothing but its own group.
"""

from __future__ import annotations

import base64
import logging
import math
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING
from uuid import uuid4

from mailman.domain.errors import ValidationError
from mailman.domain.webhook_targets import IPAddress, Target, parse_target, refusals
from mailman.domain.webhooks import (
    MAX_RETRY_AFTER,
    RESPONSE_BODY_KEPT,
    AttemptReport,
    HttpAnswer,
    HttpFailure,
    Outcome,
    PinnedRequest,
    WebhookWork,
    signature_header,
)

if TYPE_CHECKING:
    from mailman.ports import Clock, HostResolver, HttpSender, ReportQueue, SecretBox

USER_AGENT = "Mailman-Webhooks/1.0"
DEFAULT_WORKERS = 10
"""Groups attempted at once: a batch of a FIFO queue's event source holds at most ten
messages, so ten workers never leave a group waiting for another."""
MAX_ERROR_CHARS = 500
"""An error in the delivery log is cut to this: it quotes what a receiver sent."""
_DELTA_SECONDS = re.compile(r"[0-9]{1,10}")

_log = logging.getLogger(__name__)


class _NotAttempted(Exception):
    """The attempt stopped before any connection was made; the message says why."""


def attempt(
    work: WebhookWork,
    *,
    box: SecretBox,
    resolver: HostResolver,
    http: HttpSender,
    clock: Clock,
    allow_private: bool,
) -> AttemptReport:
    """Make one attempt at `work` and say how it went. Every failure the receiver, its name or
    its URL can cause is a report (outcome `failed`, the reason in `error`), never an
    exception. `allow_private` (the local platform) lets `http` and loopback and private
    receivers through; the metadata service stays refused.

    The latency is the receiver's: from the request's start (connecting included) to its
    answer or failure; an attempt refused before connecting took none."""
    attempted_at = clock.now()
    try:
        request = _request(
            work, attempted_at, box=box, resolver=resolver, allow_private=allow_private
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
    max_workers: int = DEFAULT_WORKERS,
) -> list[AttemptReport]:
    """Attempt every item of `works` and send one report per item to `reports`; answers the
    reports, in the order of `works`.

    Items of one `group` are attempted one after the other, in order; different groups at
    the same time (up to `max_workers`), so no receiver waits behind another's timeout.
    Should an attempt fail in a way `attempt` does not foresee (the key service refusing to
    open a secret, say), its report says so and the pipeline retries it on schedule: the
    rest of the batch is not sent again. What `reports.send` raises is left to the caller,
    which fails the whole batch so that the queue delivers it again."""

    def attempt_guarded(work: WebhookWork) -> AttemptReport:
        try:
            return attempt(
                work,
                box=box,
                resolver=resolver,
                http=http,
                clock=clock,
                allow_private=allow_private,
            )
        except Exception as exc:
            _log.exception(
                "webhook attempt failed before any answer",
                extra={"delivery_id": str(work.delivery_id), "endpoint_id": str(work.endpoint_id)},
            )
            error = f"the dispatcher could not make the attempt ({type(exc).__name__})"
            return _report(work, clock.now(), 0, Outcome.FAILED, error=error)

    groups: dict[str, list[int]] = defaultdict(list)
    for index, work in enumerate(works):
        groups[work.group].append(index)
    done: dict[int, AttemptReport] = {}

    def run_group(indexes: list[int]) -> None:
        for index in indexes:
            done[index] = attempt_guarded(works[index])

    if groups:
        workers = max(1, min(max_workers, len(groups)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook") as pool:
            for future in [pool.submit(run_group, indexes) for indexes in groups.values()]:
                future.result()
    finished = [done[index] for index in range(len(works))]
    if finished:
        reports.send(finished)
    return finished


def _request(
    work: WebhookWork,
    at: datetime,
    *,
    box: SecretBox,
    resolver: HostResolver,
    allow_private: bool,
) -> PinnedRequest:
    """The signed request, pinned to a checked address."""
    try:
        target = parse_target(work.url, allow_insecure=allow_private)
    except ValidationError as exc:
        raise _NotAttempted(f"refused: {exc.message}") from None
    address = _checked_address(target, resolver, allow_private=allow_private)
    body = work.body.encode()
    timestamp = int(at.timestamp())
    signed = signature_header(_opened(work.secrets, box), work.webhook_id, timestamp, body)
    headers = (
        ("webhook-id", work.webhook_id),
        ("webhook-timestamp", str(timestamp)),
        ("webhook-signature", signed),
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
    )


def _checked_address(target: Target, resolver: HostResolver, *, allow_private: bool) -> IPAddress:
    """The address to connect to: the literal, or the first the host resolves to now, once
    every address it resolves to has been checked."""
    if target.address is not None:
        addresses = [target.address]
    else:
        try:
            addresses = list(resolver.addresses(target.host, target.port))
        except OSError as exc:
            raise _NotAttempted(f"{target.host} could not be resolved: {exc}") from None
        if not addresses:
            raise _NotAttempted(f"{target.host} resolves to no address")
    refused = refusals(addresses, allow_private=allow_private)
    if refused:
        listed = ", ".join(f"{address} ({reason})" for address, reason in refused)
        raise _NotAttempted(f"refused: {target.host} is not a public address: {listed}")
    return addresses[0]


def _opened(sealed: Sequence[str], box: SecretBox) -> list[str]:
    if not sealed:
        raise _NotAttempted("the endpoint has no signing secret")
    try:
        return [box.open(base64.b64decode(secret, validate=True)) for secret in sealed]
    except ValueError as exc:
        raise _NotAttempted(f"the signing secret could not be opened: {exc}") from None


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
