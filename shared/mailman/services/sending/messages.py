"""Sending mail from an inbox: a new message, a reply, a reply to all, a forward.

Each is one transaction, pipelined: checked whole (`plan`) before anything is stored, then
stored (`submit`); once it has committed, queued (`queue_if_due`)."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from mailman.domain.sending import Forwarded, forward_subject
from mailman.mime import html_to_text
from mailman.services.sending.compose import (
    Compose,
    Idempotency,
    Submitted,
    reply_compose,
    replying_to,
    stored_files,
)
from mailman.services.sending.environment import Sending
from mailman.services.sending.plan import answered, plan, sender_of
from mailman.services.sending.submit import queue_if_due, submit


def send(
    env: Sending,
    organization_id: UUID,
    inbox_id: UUID,
    compose: Compose,
    idempotency: Idempotency | None = None,
) -> Submitted:
    """A new message from the inbox (it starts a thread unless its headers join one)."""
    with env.uow(organization_id, pipelined=True) as work:
        inbox, domain, at = sender_of(work, inbox_id)
        planned = plan(env, work, inbox, domain, compose)
        submitted = submit(env, work, planned, idempotency, at=at)
    return queue_if_due(env, planned, submitted)


def reply(
    env: Sending,
    organization_id: UUID,
    message_id: UUID,
    compose: Compose,
    *,
    everyone: bool,
    inbox_id: UUID | None = None,
    idempotency: Idempotency | None = None,
) -> Submitted:
    """Answer a message in its thread: its sender (Reply-To first) or, with `everyone`, its
    sender and every other recipient but the inbox itself. For a message the inbox sent,
    the answer goes to the same people again."""
    with env.uow(organization_id, pipelined=True) as work:
        parent = answered(work, message_id, inbox_id)
        inbox, domain, at = sender_of(work, parent.inbox_id)
        filled = reply_compose(parent, inbox, compose, everyone=everyone)
        parent_id, chain = replying_to(parent)
        planned = plan(env, work, inbox, domain, filled, in_reply_to=parent_id, references=chain)
        submitted = submit(env, work, planned, idempotency, at=at)
    return queue_if_due(env, planned, submitted)


def forward(
    env: Sending,
    organization_id: UUID,
    message_id: UUID,
    compose: Compose,
    *,
    inbox_id: UUID | None = None,
    idempotency: Idempotency | None = None,
) -> Submitted:
    """Pass a message on to new recipients: the caller's text, then the original quoted
    with its attachments; it joins the original's thread."""
    with env.uow(organization_id, pipelined=True) as work:
        parent = answered(work, message_id, inbox_id)
        inbox, domain, at = sender_of(work, parent.inbox_id)
        to = [r.address for r in parent.recipients if r.kind == "to"]
        quote = Forwarded(
            parent.from_address, parent.sent_at or parent.received_at, parent.subject, to
        )
        original_text = parent.text_body or (
            html_to_text(parent.html_body).text if parent.html_body else ""
        )
        quoted = quote.text(original_text)
        text = "\n\n".join(p for p in (compose.text, quoted) if p)
        html = None
        if compose.html is not None or parent.html_body is not None:
            own_html = compose.html or ""
            html = own_html + quote.html(parent.html_body or "")
        carried, keys = stored_files(parent)
        filled = replace(
            compose,
            subject=compose.subject or forward_subject(parent.subject),
            text=text,
            html=html,
            attachments=carried + compose.attachments,
        )
        parent_id, chain = replying_to(parent)
        planned = plan(
            env, work, inbox, domain, filled, in_reply_to=parent_id, references=chain, stored=keys
        )
        submitted = submit(env, work, planned, idempotency, at=at)
    return queue_if_due(env, planned, submitted)
