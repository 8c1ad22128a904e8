"""A webhook's body: `{"type", "timestamp", "data"}`, rendered once when its delivery is
first claimed and then kept, so that every retry and replay sends the same bytes under the
same `webhook-id`.

`data` is the event's payload as the log holds it; a message's event (`message.*` with a
`message_id`) adds the message as it stands when rendered (`MessageSnapshot`), so that a
receiver (an agent waiting for a reply) need not call back for it. A body never exceeds
`MAX_BODY_BYTES`: what does not fit is cut, largest parts first, and named in
`data.truncated_fields` (JSON Pointers into `data`, `/message/extracted_text`); the event
itself is never dropped.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from mailman.domain.events import Event
from mailman.domain.webhooks import EXTRACTED_TEXT_CAP, MAX_BODY_BYTES

SHORTEST_CUT = 256
"""As a last resort the longest strings are shortened; strings this short (ids, times,
links) are left whole."""


class SnapshotRecipient(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    """to, cc or bcc."""
    address: str
    name: str | None = None
    status: str | None = None
    """Outgoing mail's delivery status for this recipient (None for mail received)."""
    status_reason: str | None = None


class MessageSnapshot(BaseModel):
    """What a message's webhook carries of it, read when the body is rendered."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    thread_id: UUID | None
    inbox_id: UUID
    direction: str
    from_address: str
    from_name: str | None
    subject: str | None
    preview: str | None
    extracted_text: str | None
    """Up to `EXTRACTED_TEXT_CAP + 1` characters: one more than is sent tells that it was
    cut (a store need not read the whole text)."""
    verdicts: dict[str, Any]
    status: str | None
    recipients: tuple[SnapshotRecipient, ...]


def snapshot_of(event: Event) -> UUID | None:
    """The message whose snapshot the event's body carries: a `message.*` event's
    `message_id`; None for any other event."""
    if not event.type.startswith("message."):
        return None
    try:
        return UUID(str(event.payload["message_id"]))
    except (KeyError, ValueError):
        return None


def render_body(event: Event, message: MessageSnapshot | None, *, api_base_url: str) -> str:
    """The body of `event`'s webhooks: compact, keys sorted, at most `MAX_BODY_BYTES`.

    `message` is the snapshot of the event's message (`snapshot_of`); for a message's event
    without one (the message was deleted since), `data.message` is null."""
    data: dict[str, Any] = dict(event.payload)
    if snapshot_of(event) is not None:
        data["message"] = None if message is None else _message(message, api_base_url)
    body = {"type": event.type, "timestamp": _utc(event.created_at), "data": data}
    return _fit(body)


def body_size(body: str) -> int:
    """The bytes `body` takes as a JSON string inside the dispatcher's work, which travels
    in ASCII (`SqsWebhookQueue`): every character outside it escaped, six bytes each, twelve
    for one beyond the BMP. Never less than the body's own size in UTF-8, so a body that fits
    this also fits the queue, whatever its script."""
    return len(json.dumps(body))


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _message(m: MessageSnapshot, api_base_url: str) -> dict[str, Any]:
    text = m.extracted_text
    base = f"{api_base_url.rstrip('/')}/messages/{m.id}"
    return {
        "id": str(m.id),
        "thread_id": str(m.thread_id) if m.thread_id else None,
        "inbox_id": str(m.inbox_id),
        "direction": m.direction,
        "from": {"address": m.from_address, "name": m.from_name},
        "to": _addresses(m, "to"),
        "cc": _addresses(m, "cc"),
        "subject": m.subject,
        "preview": m.preview,
        "extracted_text": text[:EXTRACTED_TEXT_CAP] if text is not None else None,
        "extracted_text_truncated": text is not None and len(text) > EXTRACTED_TEXT_CAP,
        "verdicts": m.verdicts,
        "status": m.status,
        "recipients": [
            {"kind": r.kind, "address": r.address, "status": r.status, "reason": r.status_reason}
            for r in m.recipients
            if m.direction == "outbound"
        ],
        "links": {"message": base, "raw": f"{base}/raw"},
    }


def _addresses(m: MessageSnapshot, kind: str) -> list[dict[str, str | None]]:
    return [{"address": r.address, "name": r.name} for r in m.recipients if r.kind == kind]


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


Cut = tuple[str, Callable[[int], None]]
"""A field to shorten, and how: given the bytes still over, shorten it by at least that
many, or as far as it goes."""


def _fit(body: dict[str, Any]) -> str:
    """`body` rendered, cut until it fits `MAX_BODY_BYTES` (as `body_size` counts)."""
    data = body["data"]
    rendered = _dump(body)
    cuts = _cuts(data)
    while body_size(rendered) > MAX_BODY_BYTES:
        step = next(cuts, None)
        if step is None:
            break  # nothing longer than an id is left: the payload alone is this large
        name, cut = step
        data["truncated"] = True
        fields = data.setdefault("truncated_fields", [])
        if name not in fields:
            fields.append(name)
        cut(body_size(_dump(body)) - MAX_BODY_BYTES)
        rendered = _dump(body)
    return rendered


def _cuts(data: dict[str, Any]) -> Iterator[Cut]:
    """What to shorten, in order, each looked at again when the one before did not do: the
    message's text, its recipients with their status, its cc and to lists; then, should
    that not do, the longest string anywhere in `data`."""
    message = data.get("message")
    if isinstance(message, dict):
        while message.get("extracted_text"):
            yield "/message/extracted_text", functools.partial(_shorten_text, message)
        for key in ("recipients", "cc", "to"):
            while message.get(key):
                yield f"/message/{key}", functools.partial(_drop_tail, message[key])
    while (longest := _longest_string(data, "/")) is not None:
        path, holder, key = longest
        yield path, functools.partial(_shorten, holder, key)


def _shorten_text(message: dict[str, Any], over: int) -> None:
    message["extracted_text_truncated"] = True
    _shorten(message, "extracted_text", over)


def _shorten(holder: dict[str, Any], key: str, over: int) -> None:
    """Keep the longest start of the string that is at least `over` bytes (as `body_size`
    counts them: one to twelve a character) shorter."""
    value: str = holder[key]
    wanted = body_size(value) - over
    keep, longer = 0, len(value)
    while keep < longer:
        middle = (keep + longer + 1) // 2
        if body_size(value[:middle]) <= wanted:
            keep = middle
        else:
            longer = middle - 1
    holder[key] = value[:keep]


def _drop_tail(items: list[Any], over: int) -> None:
    """Each item dropped takes off its JSON as `body_size` counts it (less the quotes
    around it) and a comma."""
    dropped = 0
    while items and dropped < over:
        dropped += body_size(_dump(items.pop())) - 1


Found = tuple[str, dict[str, Any], str]
"""A string's JSON Pointer (for `truncated_fields`), the dict holding it and its key."""


def _longest_string(value: dict[str, Any], prefix: str) -> Found | None:
    best: Found | None = None
    best_length = SHORTEST_CUT
    for key, item in value.items():
        path = prefix + key.replace("~", "~0").replace("/", "~1")
        found: Found | None = None
        if isinstance(item, str) and len(item) > best_length:
            found = (path, value, key)
        elif isinstance(item, dict):
            found = _longest_string(item, f"{path}/")
        if found is not None and len(found[1][found[2]]) > best_length:
            best, best_length = found, len(found[1][found[2]])
    return best
