"""Sending mail: a new message, a reply, a reply to all, a forward, uploads of large files;
cancelling or rescheduling mail not yet handed to SES.

Every send answers 202 with the message (Pending, or Scheduled) and its thread. With an
`Idempotency-Key` header, the same key and body within 24 hours answers the message the
first request made (`Idempotent-Replayed: true`) and sends nothing more; the same key with
another body answers 409.
"""

from __future__ import annotations

import binascii
import hashlib
import json
from base64 import b64decode
from http import HTTPStatus
from typing import TypeVar
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel

from mailman.domain.access import Caller, Scope
from mailman.domain.errors import Forbidden, ValidationError
from mailman.services import sending

from ..access import requires
from ..dependencies import caller_sending, caller_uow, container, organization_id, principal
from ..schemas.mailbox import MessageOut
from ..schemas.sending import AttachmentIn, ReplyIn, RescheduleIn, SendIn, UploadIn, UploadOut

router = Router()
TAGS = ["Sending"]
MAX_KEY_LENGTH = 255
M = TypeVar("M", bound=BaseModel)
SUPPRESSED_RESPONSE: dict[int, OpenAPIResponse] = {
    422: {
        "description": "Every recipient is on the suppression list (`recipients_suppressed`, "
        "the addresses and reasons in `error.details.recipients`); when only some are, the "
        "202 shows those recipients `suppressed` and the mail goes to the rest"
    }
}


def _attachment(n: int, given: AttachmentIn) -> sending.AttachmentSpec:
    where = f"attachments[{n}]"
    if (given.content is None) == (given.attachment_id is None):
        raise ValidationError("give either content (base64) or attachment_id", field=where)
    content = None
    if given.content is not None:
        try:
            content = b64decode(given.content, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("is not valid base64", field=f"{where}.content") from exc
    return sending.AttachmentSpec(
        filename=given.filename,
        content_type=given.content_type,
        content=content,
        upload_id=given.attachment_id,
        content_id=given.content_id,
    )


def compose_of(body: SendIn) -> sending.Compose:
    return sending.Compose(
        to=tuple(body.to),
        cc=tuple(body.cc),
        bcc=tuple(body.bcc),
        reply_to=tuple(body.reply_to),
        subject=body.subject,
        text=body.text,
        html=body.html,
        headers=tuple(body.headers.items()),
        labels=tuple(body.labels),
        metadata=body.metadata,
        attachments=tuple(_attachment(n, a) for n, a in enumerate(body.attachments)),
        send_at=body.send_at,
        list_unsubscribe=body.list_unsubscribe,
    )


def idempotency_of(operation: str, body: SendIn | None) -> sending.Idempotency | None:
    """The request's Idempotency-Key, with a fingerprint of the operation and its body."""
    key = router.current_event.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError(
            f"must be 1 to {MAX_KEY_LENGTH} printable characters", field="Idempotency-Key"
        )
    scoped = idempotency_scope(principal(router).caller) + key
    return sending.Idempotency.of(scoped, operation, body.model_dump(mode="json") if body else {})


def idempotency_scope(caller: Caller) -> str:
    """What a caller's Idempotency-Keys are stored under. An unbound caller's are the
    organisation's; a caller bound to inboxes has its own (its credential and subject), so
    that one agent can neither hold nor probe another's keys."""
    if not caller.bound:
        return ""
    who = json.dumps([caller.credential, str(caller.key_id), caller.subject])
    return f"bound:{hashlib.sha256(who.encode()).hexdigest()[:32]}:"


def answer(status: HTTPStatus, body: M, headers: dict[str, str] | None = None) -> Response[M]:
    """`body` as JSON with a status other than 200; the route's return type, `Response[M]`,
    is what the OpenAPI document shows, and Powertools writes the fields by their aliases
    (`from`)."""
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers=headers or {},
    )


def accepted(submitted: sending.Submitted) -> Response[MessageOut]:
    headers = {"Idempotent-Replayed": "true"} if submitted.replayed else {}
    return answer(HTTPStatus.ACCEPTED, MessageOut.of(submitted.message), headers)


@router.post(
    "/inboxes/<inbox_id>/messages",
    operation_id="messages.send",
    summary="Send a message from the inbox (202: Pending, or Scheduled with send_at)",
    tags=TAGS,
    responses={
        202: {"description": "The message, Pending or Scheduled, and its thread"},
        **SUPPRESSED_RESPONSE,
    },
    **requires(Scope.MESSAGES_SEND),
)
def send_message(inbox_id: UUID, body: SendIn) -> Response[MessageOut]:
    submitted = sending.send(
        caller_sending(router),
        organization_id(router),
        inbox_id,
        compose_of(body),
        idempotency_of(f"send:{inbox_id}", body),
    )
    return accepted(submitted)


def _reply(message_id: UUID, body: ReplyIn, everyone: bool) -> Response[MessageOut]:
    operation = "reply-all" if everyone else "reply"
    submitted = sending.reply(
        caller_sending(router),
        organization_id(router),
        message_id,
        compose_of(body),
        everyone=everyone,
        inbox_id=body.inbox_id,
        idempotency=idempotency_of(f"{operation}:{message_id}", body),
    )
    return accepted(submitted)


@router.post(
    "/messages/<message_id>/reply",
    operation_id="messages.reply",
    summary="Reply to the sender, in the message's thread",
    tags=TAGS,
    responses={202: {"description": "The reply, Pending or Scheduled"}, **SUPPRESSED_RESPONSE},
    **requires(Scope.MESSAGES_SEND),
)
def reply(message_id: UUID, body: ReplyIn) -> Response[MessageOut]:
    return _reply(message_id, body, everyone=False)


@router.post(
    "/messages/<message_id>/reply-all",
    operation_id="messages.reply_all",
    summary="Reply to the sender and every other recipient, in the message's thread",
    tags=TAGS,
    responses={202: {"description": "The reply, Pending or Scheduled"}, **SUPPRESSED_RESPONSE},
    **requires(Scope.MESSAGES_SEND),
)
def reply_all(message_id: UUID, body: ReplyIn) -> Response[MessageOut]:
    return _reply(message_id, body, everyone=True)


@router.post(
    "/messages/<message_id>/forward",
    operation_id="messages.forward",
    summary="Forward the message, quoted with its attachments, to new recipients",
    tags=TAGS,
    responses={202: {"description": "The forward, Pending or Scheduled"}, **SUPPRESSED_RESPONSE},
    **requires(Scope.MESSAGES_SEND),
)
def forward(message_id: UUID, body: ReplyIn) -> Response[MessageOut]:
    submitted = sending.forward(
        caller_sending(router),
        organization_id(router),
        message_id,
        compose_of(body),
        inbox_id=body.inbox_id,
        idempotency=idempotency_of(f"forward:{message_id}", body),
    )
    return accepted(submitted)


@router.post(
    "/messages/<message_id>/cancel",
    operation_id="messages.cancel",
    summary="Cancel mail not yet handed to SES (Pending or Scheduled)",
    tags=TAGS,
    **requires(Scope.MESSAGES_SEND),
)
def cancel(message_id: UUID) -> MessageOut:
    return MessageOut.of(
        sending.cancel(caller_sending(router), organization_id(router), message_id)
    )


@router.post(
    "/messages/<message_id>/reschedule",
    operation_id="messages.reschedule",
    summary="Move the send time of mail not yet handed to SES (null: send now)",
    tags=TAGS,
    **requires(Scope.MESSAGES_SEND),
)
def reschedule(message_id: UUID, body: RescheduleIn) -> MessageOut:
    view = sending.reschedule(
        caller_sending(router), organization_id(router), message_id, body.send_at
    )
    return MessageOut.of(view)


@router.post(
    "/attachments",
    operation_id="attachments.upload",
    summary="Upload a large file: answers a presigned PUT URL and the id to send it by",
    tags=TAGS,
    responses={201: {"description": "Where to PUT the file"}},
    **requires(Scope.MESSAGES_SEND),
)
def create_upload(body: UploadIn) -> Response[UploadOut]:
    if principal(router).caller.inbox_ids == frozenset():
        raise Forbidden("this credential reaches no inbox: it has nothing to attach a file to")
    c = container()
    created = sending.create_upload(
        caller_uow(router),
        c.blobs,
        c.clock,
        organization_id(router),
        filename=body.filename,
        content_type=body.content_type,
    )
    return answer(HTTPStatus.CREATED, UploadOut.model_validate(created))
