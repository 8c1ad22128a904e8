"""Drafts: outgoing mail written now, changed at will, and sent by `POST /drafts/{id}/send`.

A draft is checked as it is written, the way a send is (every address, header, attachment,
size and `send_at`), but it may still lack its recipients and its content, and its domain
need not be verified for sending yet. It belongs to no thread: sending it checks the rest
and moves the same row, under the same id, into its thread, Pending (or Scheduled with its
`send_at`), and on through the outbound queue as any message sent.

A draft written as a reply (`in_reply_to`, a message of the same inbox) carries the
answer's recipients, subject and `In-Reply-To`/`References`, so it joins that message's
thread when it is sent. Every change names the version it was read at, so an edit and a
send racing for one draft cannot both win.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import replace
from email.headerregistry import Address as HeaderAddress
from typing import Any
from uuid import UUID

from mailman.domain.errors import Conflict, NotFound
from mailman.domain.folders import SystemFolder
from mailman.domain.mailbox import MessageListing, MessageView
from mailman.domain.models import DeliveryStatus, Direction
from mailman.domain.pagination import Page, PageRequest
from mailman.ports import UnitOfWork, UnitOfWorkFactory
from mailman.services.sending._internal import draft_changed, new_message_id, replay, written
from mailman.services.sending.compose import (
    Compose,
    Idempotency,
    Submitted,
    reply_compose,
    replying_to,
    stored_files,
)
from mailman.services.sending.environment import Sending
from mailman.services.sending.plan import Plan, answered, plan, sender_of
from mailman.services.sending.submit import outgoing_row, queue_if_due, submit, write_files


def create_draft(
    env: Sending,
    organization_id: UUID,
    inbox_id: UUID,
    compose: Compose,
    *,
    in_reply_to: UUID | None = None,
) -> MessageView:
    """A new draft in the inbox; with `in_reply_to`, an answer to that message."""
    with env.uow(organization_id) as work:
        inbox, domain, _ = sender_of(work, inbox_id, sending=False)
        parent_id: str | None = None
        chain: tuple[str, ...] = ()
        if in_reply_to is not None:
            parent = answered(
                work, in_reply_to, inbox_id, field="in_reply_to", inbox_field="in_reply_to"
            )
            compose = reply_compose(parent, inbox, compose, everyone=False)
            parent_id, chain = replying_to(parent)
        planned = plan(
            env,
            work,
            inbox,
            domain,
            compose,
            in_reply_to=parent_id,
            references=chain,
            complete=False,
        )
    now = env.clock.now()
    pk, message_id = uuid.uuid4(), new_message_id(inbox)
    attachments = write_files(env.blobs, planned.files, message_id, now)
    with env.uow(organization_id) as work:
        work.messages.add(outgoing_row(pk, planned, message_id, now, attachments, thread=None))
        return written(work, pk)


def get_draft(uow: UnitOfWorkFactory, organization_id: UUID, draft_id: UUID) -> MessageView:
    with uow(organization_id) as work:
        return _draft(work, draft_id, sent=NotFound)


def list_drafts(
    uow: UnitOfWorkFactory, organization_id: UUID, inbox_id: UUID, page: PageRequest
) -> Page[MessageView]:
    """The inbox's drafts, newest first."""
    with uow(organization_id) as work:
        if work.inboxes.get(inbox_id) is None:
            raise NotFound("no such inbox", field="inbox_id")
        rows = work.mailbox.messages(
            MessageListing(
                inbox_id, quarantined=False, limit=page.limit + 1, after=page.after, drafts=True
            )
        )
    return Page.from_rows(list(rows), page)


def update_draft(
    env: Sending, organization_id: UUID, draft_id: UUID, changes: dict[str, Any]
) -> MessageView:
    """Replace the fields of the draft named in `changes` (Compose's fields); the rest stay.
    Attachments given replace the draft's attachments, all of them."""
    with env.uow(organization_id) as work:
        draft = _out_of_trash(_draft(work, draft_id, sent=Conflict), "editing")
        inbox, domain, _ = sender_of(work, draft.inbox_id, sending=False)
        current, stored = _compose_of(draft)
        planned = plan(
            env,
            work,
            inbox,
            domain,
            replace(current, **changes),
            in_reply_to=draft.in_reply_to,
            references=draft.references,
            stored={} if "attachments" in changes else stored,
            complete=False,
        )
    now = env.clock.now()
    attachments = write_files(env.blobs, planned.files, draft.message_id, now)
    with env.uow(organization_id) as work:
        row = outgoing_row(draft.id, planned, draft.message_id, now, attachments, thread=None)
        if not work.drafts.replace(row, version=draft.updated_at):
            raise draft_changed()
        return written(work, draft.id)


def delete_draft(uow: UnitOfWorkFactory, organization_id: UUID, draft_id: UUID) -> None:
    with uow(organization_id) as work:
        _draft(work, draft_id, sent=Conflict)
        if not work.drafts.delete(draft_id):
            raise draft_changed()


def send_draft(
    env: Sending,
    organization_id: UUID,
    draft_id: UUID,
    idempotency: Idempotency | None = None,
) -> Submitted:
    """Send the draft as it stands: it is checked as any send is, then joins its thread."""
    with env.uow(organization_id, pipelined=True) as work:
        if idempotency is not None:
            earlier = work.idempotency_keys.find(idempotency.key, env.clock.now())
            if earlier is not None:
                return replay(work, idempotency, *earlier)
        draft = _out_of_trash(_draft(work, draft_id, sent=Conflict), "sending")
        inbox, domain, at = sender_of(work, draft.inbox_id)
        compose, stored = _compose_of(draft)
        if compose.send_at is not None and compose.send_at <= env.clock.now():
            # The draft's time passed while it waited: it goes now.
            compose = dataclasses.replace(compose, send_at=None)
        planned: Plan = plan(
            env,
            work,
            inbox,
            domain,
            compose,
            in_reply_to=draft.in_reply_to,
            references=draft.references,
            stored=stored,
        )
        submitted = submit(env, work, planned, idempotency, at=at, draft=draft)
    return queue_if_due(env, planned, submitted)


def _out_of_trash(draft: MessageView, doing: str) -> MessageView:
    """A draft in trash is neither sent (the dispatcher skips mail in trash) nor edited (an
    edit would write it back into drafts, out of the trash unseen): restore it first."""
    if draft.folder == SystemFolder.TRASH:
        raise Conflict(f"the draft is in trash: restore it before {doing} it", field="draft_id")
    return draft


def _draft(
    work: UnitOfWork, draft_id: UUID, *, sent: type[NotFound] | type[Conflict]
) -> MessageView:
    """The draft; a draft sent already is `sent` (gone for reading, a conflict to change)."""
    found = work.mailbox.message(draft_id)
    if found is None or found.direction != Direction.OUTBOUND:
        raise NotFound("no such draft", field="draft_id")
    if found.status != DeliveryStatus.DRAFT:
        raise sent(
            f"the draft was sent: read it as message {found.id} (it is {found.status})",
            field="draft_id",
        )
    return found


def _compose_of(draft: MessageView) -> tuple[Compose, dict[int, str]]:
    """The draft as a send would ask for it, and where its files are stored."""

    def addresses(kind: str) -> tuple[str, ...]:
        return tuple(
            str(HeaderAddress(display_name=r.name or "", addr_spec=r.address))
            for r in draft.recipients
            if r.kind == kind
        )

    files, stored = stored_files(draft)
    compose = Compose(
        to=addresses("to"),
        cc=addresses("cc"),
        bcc=addresses("bcc"),
        reply_to=draft.reply_to,
        subject=draft.subject,
        text=draft.text_body,
        html=draft.html_body,
        headers=tuple((h["name"], h["value"]) for h in draft.headers),
        labels=draft.labels,
        metadata=draft.metadata,
        attachments=files,
        send_at=draft.send_at,
        # Resolved when the draft was written: None here would take the domain's again.
        list_unsubscribe=draft.list_unsubscribe or "",
    )
    return compose, stored
