"""A caller bound to inboxes, against the in-memory unit of work: it reaches its inboxes and
what is theirs, and another inbox's inbox, thread, message, draft, attachment, upload,
event and webhook endpoint are not found (never shown, never a storage error); its webhooks
are scoped to its inboxes; what it appends records it as the actor."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from functions.api.dependencies import CallerUnitOfWorkFactory
from mailman.domain.access import Caller
from mailman.domain.errors import Forbidden, NotFound, StorageError
from mailman.domain.errors import ValidationError as Invalid
from mailman.domain.mailbox import MessageView
from mailman.domain.messages import NewMessage
from mailman.domain.models import Inbox
from mailman.domain.pagination import PageRequest
from mailman.domain.webhooks import EndpointChanges
from mailman.services import events, inboxes, mailbox, mailbox_trash, reputation, sending
from mailman.services.sending import (
    AttachmentSpec,
    Compose,
    DeliveryJob,
    Outbound,
    Sending,
    deliver,
)
from mailman.services.webhooks import endpoints, log
from mailman.services.webhooks.endpoints import EndpointRequest, Receivers

from ..mail import make_mail
from ..webhook_fakes import PUBLIC_HOSTS, ReversingBox, TableResolver
from .world import World

PAGE = PageRequest(limit=50)
TO = ("jane@customer.example",)
RECEIVERS = Receivers(TableResolver(PUBLIC_HOSTS))
BOX = ReversingBox()
NO_WAIT = timedelta(0)


def _nowhere(delivery_ids: object) -> None:
    """Publishes nothing: the tests read the deliveries where they are."""


@dataclass(frozen=True)
class Held:
    """One inbox's mail: a message received, one sent with an attachment, one scheduled
    and a draft."""

    inbox: Inbox
    received: MessageView
    sent: MessageView
    scheduled: MessageView
    draft: MessageView


@dataclass(frozen=True)
class Binding:
    """The world's organisation with two inboxes, and a caller bound to the first."""

    world: World
    mine: Held
    theirs: Held
    caller: Caller

    @property
    def uow(self) -> CallerUnitOfWorkFactory:
        return CallerUnitOfWorkFactory(self.world.uow, self.caller)

    @property
    def sending(self) -> Sending:
        world = self.world
        return Sending(self.uow, world.blobs, world.queue, world.clock)

    @property
    def org(self) -> UUID:
        return self.world.organization_id


def _hold(world: World, inbox: Inbox, n: int) -> Held:
    env = world.sending
    address = f"{inbox.local_part}@example.com"
    received = world.received(
        make_mail(to=address, message_id=f"<r{n}@elsewhere.example>"), envelope=(address,)
    )
    compose = Compose(
        to=TO, text="Hello", attachments=(AttachmentSpec("plan.txt", content=b"plan\n"),)
    )
    sent = sending.send(env, world.organization_id, inbox.id, compose).message
    later = Compose(to=TO, text="Later", send_at=world.clock.now() + timedelta(days=1))
    scheduled = sending.send(env, world.organization_id, inbox.id, later).message
    draft = sending.create_draft(env, world.organization_id, inbox.id, Compose(subject="Plan"))
    return Held(inbox, received, sent, scheduled, draft)


@pytest.fixture
def bound(world: World) -> Binding:
    sales = world.add_inbox("sales")
    mine, theirs = _hold(world, world.inbox, 1), _hold(world, sales, 2)
    caller = Caller(world.organization_id, "api_key", uuid4(), inbox_ids=frozenset({mine.inbox.id}))
    return Binding(world, mine, theirs, caller)


def _endpoint(b: Binding, inbox_ids: tuple[UUID, ...], uow: Any = None) -> UUID:
    created = endpoints.create_endpoint(
        uow or b.world.uow,
        BOX,
        RECEIVERS,
        b.org,
        EndpointRequest("https://hooks.customer.example/in", inbox_ids=inbox_ids),
    )
    return created.endpoint.id


# -- another inbox's objects are not found ----------------------------------------------------

Case = Callable[[Binding, Held], object]

CASES: dict[str, Case] = {
    "get inbox": lambda b, h: inboxes.get_inbox(b.uow, b.org, h.inbox.id),
    "update inbox": lambda b, h: inboxes.update_inbox(
        b.uow, b.org, h.inbox.id, {"display_name": "Mine now"}
    ),
    "delete inbox": lambda b, h: inboxes.delete_inbox(b.uow, b.world.clock, b.org, h.inbox.id),
    "inbox stats": lambda b, h: reputation.inbox_stats(b.uow, b.world.clock, b.org, h.inbox.id),
    "list threads": lambda b, h: mailbox.list_threads(b.uow, b.org, h.inbox.id, PAGE),
    "list messages": lambda b, h: mailbox.list_messages(
        b.uow, b.org, h.inbox.id, PAGE, quarantined=False
    ),
    "get thread": lambda b, h: mailbox.get_thread(b.uow, b.org, _thread(h)),
    "delete thread": lambda b, h: mailbox_trash.trash_thread(
        b.uow, b.world.clock, b.org, _thread(h)
    ),
    "delete message": lambda b, h: mailbox_trash.trash_message(
        b.uow, b.world.clock, b.org, h.received.id
    ),
    "restore message": lambda b, h: mailbox_trash.restore_message(b.uow, b.org, h.received.id),
    "restore thread": lambda b, h: mailbox_trash.restore_thread(b.uow, b.org, _thread(h)),
    "erase message": lambda b, h: mailbox_trash.erase_message(
        b.uow, b.world.blobs, b.world.clock, b.org, h.received.id
    ),
    "empty trash": lambda b, h: mailbox_trash.empty_trash(
        b.uow, b.world.blobs, b.world.clock, b.org, h.inbox.id
    ),
    "get message": lambda b, h: mailbox.get_message(b.uow, b.org, h.received.id),
    "delivery": lambda b, h: mailbox.delivery_history(b.uow, b.org, h.sent.id, PAGE),
    "raw": lambda b, h: mailbox.raw_link(b.uow, b.world.blobs, b.world.clock, b.org, h.received.id),
    "attachment": lambda b, h: mailbox.attachment_link(
        b.uow, b.world.blobs, b.world.clock, b.org, h.sent.id, h.sent.attachments[0].id
    ),
    "send from": lambda b, h: sending.send(b.sending, b.org, h.inbox.id, Compose(to=TO, text="x")),
    "reply": lambda b, h: sending.reply(
        b.sending, b.org, h.received.id, Compose(text="x"), everyone=False
    ),
    "reply all": lambda b, h: sending.reply(
        b.sending, b.org, h.received.id, Compose(text="x"), everyone=True
    ),
    "forward": lambda b, h: sending.forward(b.sending, b.org, h.received.id, Compose(to=TO)),
    "cancel": lambda b, h: sending.cancel(b.sending, b.org, h.scheduled.id),
    "reschedule": lambda b, h: sending.reschedule(b.sending, b.org, h.scheduled.id, None),
    "list drafts": lambda b, h: sending.list_drafts(b.uow, b.org, h.inbox.id, PAGE),
    "create draft": lambda b, h: sending.create_draft(b.sending, b.org, h.inbox.id, Compose()),
    "answer in a draft": lambda b, h: sending.create_draft(
        b.sending, b.org, b.mine.inbox.id, Compose(), in_reply_to=h.received.id
    ),
    "get draft": lambda b, h: sending.get_draft(b.uow, b.org, h.draft.id),
    "update draft": lambda b, h: sending.update_draft(
        b.sending, b.org, h.draft.id, {"subject": "Mine"}
    ),
    "delete draft": lambda b, h: sending.delete_draft(b.uow, b.org, h.draft.id),
    "send draft": lambda b, h: sending.send_draft(b.sending, b.org, h.draft.id),
}


def _thread(held: Held) -> UUID:
    assert held.received.thread_id is not None
    return held.received.thread_id


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_another_inboxs_object_is_not_found_and_left_as_it_was(bound: Binding, case: Case) -> None:
    before = _everything(bound.world)

    with pytest.raises(NotFound):
        case(bound, bound.theirs)

    assert _everything(bound.world) == before


@pytest.mark.parametrize(
    "case",
    # Restoring and erasing ask for mail in trash: the held mail is not (a 409, not a 404).
    [
        c
        for name, c in CASES.items()
        if not name.startswith(("delete", "cancel", "send draft", "restore", "erase"))
    ],
)
def test_the_callers_own_inbox_is_reached(bound: Binding, case: Case) -> None:
    case(bound, bound.mine)


def _everything(world: World) -> str:
    """What the tables hold, compared before and after a refused call."""
    tables = world.tables
    return repr(
        (
            tables.inboxes,
            tables.deleted,
            tables.threads,
            {k: (r.message, r.deleted_at, r.updated_at) for k, r in tables.messages.items()},
            [e.event for e in tables.events],
            tables.uploads,
        )
    )


# -- listings ---------------------------------------------------------------------------------


def test_a_bound_caller_lists_only_its_inboxes(bound: Binding) -> None:
    listed = inboxes.list_inboxes(bound.uow, bound.org, PAGE).items

    assert [i.id for i in listed] == [bound.mine.inbox.id]


def test_a_bound_callers_events_are_its_inboxes_and_record_it(bound: Binding) -> None:
    mine = str(bound.mine.inbox.id)
    sending.cancel(bound.sending, bound.org, bound.mine.scheduled.id)

    seen = events.read_events(bound.uow, bound.org, after=None, limit=100).events
    everything = events.read_events(bound.world.uow, bound.org, after=None, limit=100).events

    assert seen
    assert {e.payload.get("inbox_id") for e in seen} == {mine}
    assert len(everything) > len(seen)
    assert seen[-1].actor == bound.caller.actor()
    assert everything[0].actor is None


def test_a_bound_callers_latest_events_are_its_inboxes(bound: Binding) -> None:
    sending.cancel(bound.sending, bound.org, bound.mine.scheduled.id)

    latest = events.latest_events(bound.uow, bound.org, 100).events
    everything = events.read_events(bound.world.uow, bound.org, after=None, limit=100).events

    assert latest
    assert {e.payload.get("inbox_id") for e in latest} == {str(bound.mine.inbox.id)}
    assert len(everything) > len(latest)


class _Mailer:
    """Takes every mail, answering an SES-like id."""

    def send(self, raw: bytes, *, destinations: Sequence[str], tags: Mapping[str, str]) -> str:
        return f"ses-{uuid4()}"


def test_the_platforms_later_events_about_a_callers_message_name_the_caller(
    bound: Binding,
) -> None:
    world = bound.world
    sent = sending.send(bound.sending, bound.org, bound.mine.inbox.id, Compose(to=TO, text="Hi"))
    for message in (sent.message, world.send()):
        outbound = Outbound(world.uow, world.blobs, _Mailer(), world.clock, "us-east-1")
        deliver(outbound, DeliveryJob(bound.org, message.id))

    everything = events.read_events(bound.world.uow, bound.org, after=None, limit=100).events
    about = [e for e in everything if e.payload.get("message_id") == str(sent.message.id)]
    others = [
        e
        for e in everything
        if e.type == "message.sent" and e.payload.get("message_id") != str(sent.message.id)
    ]

    assert [(e.type, e.actor) for e in about] == [("message.sent", bound.caller.actor())]
    assert others
    assert all(e.actor is None for e in others)


def test_a_bound_caller_cannot_read_on_from_another_inboxs_event(bound: Binding) -> None:
    theirs = [
        e
        for e in events.read_events(bound.world.uow, bound.org, after=None, limit=100).events
        if e.payload.get("inbox_id") == str(bound.theirs.inbox.id)
    ]

    with pytest.raises(Invalid) as refused:
        events.read_events(bound.uow, bound.org, after=theirs[0].cursor, limit=10)

    assert refused.value.field == "after"


# -- uploads ----------------------------------------------------------------------------------


def _upload(b: Binding, uow: Any) -> UUID:
    created = sending.create_upload(
        uow, b.world.blobs, b.world.clock, b.org, filename="report.pdf", content_type=None
    )
    b.world.blobs.put(created.upload.storage_key, b"%PDF-1.4", "application/pdf")
    return created.upload.id


def _attach(b: Binding, upload_id: UUID) -> MessageView:
    attachment = AttachmentSpec("report.pdf", upload_id=upload_id)
    compose = Compose(to=TO, text="See attached", attachments=(attachment,))
    return sending.send(b.sending, b.org, b.mine.inbox.id, compose).message


def test_a_bound_caller_attaches_its_own_uploads(bound: Binding) -> None:
    sent = _attach(bound, _upload(bound, bound.uow))

    assert [a.filename for a in sent.attachments] == ["report.pdf"]


@pytest.mark.parametrize("uploader", ["another inbox's caller", "an unbound caller"])
def test_a_bound_caller_cannot_attach_an_upload_made_beyond_its_inboxes(
    bound: Binding, uploader: str
) -> None:
    world = bound.world
    other = Caller(bound.org, "api_key", uuid4(), inbox_ids=frozenset({bound.theirs.inbox.id}))
    uow = CallerUnitOfWorkFactory(world.uow, other) if uploader.startswith("another") else world.uow
    upload_id = _upload(bound, uow)

    with pytest.raises(NotFound) as refused:
        _attach(bound, upload_id)

    assert refused.value.field == "attachments[0].attachment_id"


# -- webhooks ---------------------------------------------------------------------------------


def test_a_bound_caller_scopes_its_webhooks_to_its_inboxes(bound: Binding) -> None:
    endpoint_id = _endpoint(bound, (bound.mine.inbox.id,), bound.uow)

    found = endpoints.get_endpoint(bound.uow, bound.org, endpoint_id)

    assert found.inbox_ids == [bound.mine.inbox.id]


def test_a_bound_caller_may_not_add_a_webhook_for_every_inbox(bound: Binding) -> None:
    with pytest.raises(Forbidden) as refused:
        _endpoint(bound, (), bound.uow)

    assert refused.value.field == "inbox_ids"
    assert bound.world.tables.webhook_endpoints == {}


def test_a_bound_caller_may_not_name_another_inbox_for_its_webhook(bound: Binding) -> None:
    with pytest.raises(Invalid) as refused:
        _endpoint(bound, (bound.mine.inbox.id, bound.theirs.inbox.id), bound.uow)

    assert refused.value.field == "inbox_ids"
    assert bound.world.tables.webhook_endpoints == {}


def test_a_bound_caller_may_not_widen_its_webhook_to_every_inbox(bound: Binding) -> None:
    endpoint_id = _endpoint(bound, (bound.mine.inbox.id,), bound.uow)

    with pytest.raises(Forbidden) as refused:
        endpoints.update_endpoint(
            bound.uow,
            bound.world.clock,
            RECEIVERS,
            bound.org,
            endpoint_id,
            EndpointChanges(inbox_ids=()),
        )

    assert refused.value.field == "inbox_ids"
    assert bound.world.tables.webhook_endpoints[endpoint_id].inbox_ids == (bound.mine.inbox.id,)


def test_a_bound_caller_sees_only_the_webhooks_within_its_inboxes(bound: Binding) -> None:
    mine = _endpoint(bound, (bound.mine.inbox.id,))
    _endpoint(bound, (bound.theirs.inbox.id,))
    _endpoint(bound, (bound.mine.inbox.id, bound.theirs.inbox.id))
    _endpoint(bound, ())

    listed = endpoints.list_endpoints(bound.uow, bound.org, PAGE).items

    assert [e.id for e in listed] == [mine]
    assert len(endpoints.list_endpoints(bound.world.uow, bound.org, PAGE).items) == 4


WEBHOOK_CASES: dict[str, Callable[[Binding, UUID], object]] = {
    "get": lambda b, e: endpoints.get_endpoint(b.uow, b.org, e),
    "update": lambda b, e: endpoints.update_endpoint(
        b.uow, b.world.clock, RECEIVERS, b.org, e, EndpointChanges(enabled=False)
    ),
    "delete": lambda b, e: endpoints.delete_endpoint(b.uow, b.world.clock, b.org, e),
    "rotate": lambda b, e: endpoints.rotate_secret(b.uow, b.world.clock, BOX, b.org, e),
    "deliveries": lambda b, e: log.list_deliveries(b.uow, b.org, e, log.DeliveryFilter(), PAGE),
    "test": lambda b, e: log.send_test(b.uow, b.world.clock, b.org, e, _nowhere, wait=NO_WAIT),
    "recover": lambda b, e: log.recover_deliveries(
        b.uow, b.world.clock, b.org, e, b.world.clock.now() - timedelta(days=1), None, _nowhere
    ),
}


@pytest.mark.parametrize("case", WEBHOOK_CASES.values(), ids=WEBHOOK_CASES.keys())
def test_another_inboxs_webhook_is_not_found(
    bound: Binding, case: Callable[[Binding, UUID], object]
) -> None:
    theirs = _endpoint(bound, (bound.theirs.inbox.id,))

    with pytest.raises(NotFound):
        case(bound, theirs)


def test_a_bound_caller_tests_its_webhook_and_reads_the_test_in_its_events(
    bound: Binding,
) -> None:
    mine = _endpoint(bound, (bound.mine.inbox.id,), bound.uow)

    sent = log.send_test(bound.uow, bound.world.clock, bound.org, mine, _nowhere, wait=NO_WAIT)
    seen = events.read_events(bound.uow, bound.org, after=None, limit=100).events

    assert sent.event_id in {e.id for e in seen}


# -- the fakes refuse what row-level security refuses -----------------------------------------


def test_a_bound_unit_of_work_refuses_to_store_another_inboxs_message(bound: Binding) -> None:
    row = bound.world.row(bound.theirs.sent.id).message
    copy = NewMessage(**{**vars(row), "id": None, "message_id": "<copy@example.com>"})

    with pytest.raises(StorageError), bound.uow(bound.org) as work:
        work.messages.add(copy)
