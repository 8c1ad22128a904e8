"""The mailbox's state rules against the in-memory unit of work: read, starred, folders and
labels on a message, a thread and a batch; custom folders; counts; listing filters."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from mailman.domain.errors import Conflict, NotFound, ValidationError
from mailman.domain.folders import MAX_BATCH, MailboxChange
from mailman.domain.mailbox import MessageView, TimeWindow
from mailman.domain.mailbox_state import BatchResult, Direction, MailboxFilter
from mailman.domain.pagination import PageRequest
from mailman.domain.sending import MAX_LABELS
from mailman.services import mailbox, mailbox_state
from tests.mail import make_mail

from .world import World


def _mail(world: World, n: int, **kwargs: str) -> MessageView:
    world.clock.advance(timedelta(minutes=1))
    raw = make_mail(message_id=f"<m{n}@x.example>", subject=f"Subject {n}", **kwargs)
    return world.received(raw, source_id=f"ses-{n}")


def _change(world: World, message_id: UUID, **change: object) -> MessageView:
    return mailbox_state.change_message(
        world.uow, world.clock, world.organization_id, message_id, MailboxChange.of(**change)
    )


def _threads(world: World, limit: int = 50, **filters: object) -> list[str | None]:
    page = mailbox.list_threads(
        world.uow,
        world.organization_id,
        world.inbox.id,
        PageRequest(limit=limit),
        filters=MailboxFilter(**filters),  # type: ignore[arg-type]
    )
    return [t.subject for t in page.items]


def _folders(world: World) -> dict[str, tuple[int, int]]:
    found = mailbox_state.list_folders(world.uow, world.organization_id, world.inbox.id)
    return {f.name: (f.total, f.unread) for f in found}


def test_a_message_is_marked_read_starred_and_labelled(world: World) -> None:
    m = _mail(world, 1)

    changed = _change(world, m.id, read=True, starred=True, add=["vip", "important"])

    assert (changed.is_read, changed.starred) == (True, True)
    assert changed.labels == ("vip", "important")
    again = _change(world, m.id, add=["unread"], remove=["vip"])
    assert (again.is_read, again.labels) == (False, ("important",))


def test_moving_into_trash_remembers_the_folder_and_moving_out_forgets_it(world: World) -> None:
    m = _mail(world, 1)
    _change(world, m.id, folder="archive")

    trashed = _change(world, m.id, folder="trash")

    row = world.row(m.id)
    assert trashed.folder == "trash"
    assert (row.restore_folder, row.deleted_at) == ("archive", world.clock.now())
    _change(world, m.id, folder="TRASH")
    assert world.row(m.id).restore_folder == "archive"
    back = _change(world, m.id, folder="inbox")
    assert back.folder == "inbox"
    assert (world.row(m.id).restore_folder, world.row(m.id).deleted_at) == (None, None)


@pytest.mark.parametrize(
    "folder", ["starred", "drafts", "nowhere", "e32b2021-1206-4ef3-a45c-cf53aee80c23"]
)
def test_a_change_names_a_real_folder_that_can_hold_mail(world: World, folder: str) -> None:
    m = _mail(world, 1)

    with pytest.raises(ValidationError) as refused:
        _change(world, m.id, folder=folder)

    assert refused.value.field == "folder"
    assert world.row(m.id).message.folder == "inbox"


def test_a_custom_folder_of_another_inbox_is_refused_and_nothing_changes(world: World) -> None:
    m = _mail(world, 1)
    sales = world.add_inbox("sales")
    theirs = mailbox_state.create_folder(world.uow, world.organization_id, sales.id, "Deals")

    with pytest.raises(ValidationError, match="another inbox"):
        _change(world, m.id, folder=theirs.id, read=True)

    assert (world.row(m.id).message.folder, world.row(m.id).is_read) == ("inbox", False)


def test_an_unknown_message_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        _change(world, uuid4(), read=True)


def test_a_batch_reports_missing_ids_and_names_each_once(world: World) -> None:
    a, b = _mail(world, 1), _mail(world, 2)
    missing = uuid4()

    outcomes = mailbox_state.change_messages(
        world.uow,
        world.clock,
        world.organization_id,
        [a.id, missing, a.id, b.id],
        MailboxChange.of(read=True),
    )

    assert [(o.id, o.result) for o in outcomes] == [
        (a.id, BatchResult.UPDATED),
        (missing, BatchResult.NOT_FOUND),
        (b.id, BatchResult.UPDATED),
    ]
    assert world.row(a.id).is_read
    assert world.row(b.id).is_read


def test_a_batch_is_all_or_nothing(world: World) -> None:
    a, b = _mail(world, 1), _mail(world, 2)
    full = [f"l{i}" for i in range(MAX_LABELS)]
    _change(world, b.id, add=full)

    with pytest.raises(ValidationError, match="labels"):
        mailbox_state.change_messages(
            world.uow,
            world.clock,
            world.organization_id,
            [a.id, b.id],
            MailboxChange.of(read=True, add=["one-more"]),
        )

    assert not world.row(a.id).is_read
    assert world.row(a.id).message.labels == ()


def test_a_batch_holds_at_most_the_limit(world: World) -> None:
    with pytest.raises(ValidationError, match="at most"):
        mailbox_state.change_messages(
            world.uow,
            world.clock,
            world.organization_id,
            [uuid4() for _ in range(MAX_BATCH + 1)],
            MailboxChange.of(read=True),
        )


def test_a_thread_change_reaches_every_message_and_trash_hides_the_thread(world: World) -> None:
    first = _mail(world, 1)
    reply = _mail(world, 2, extra="In-Reply-To: <m1@x.example>\r\n")
    assert first.thread_id == reply.thread_id
    assert first.thread_id is not None

    thread = mailbox_state.change_thread(
        world.uow,
        world.clock,
        world.organization_id,
        first.thread_id,
        MailboxChange.of(starred=True, add=["case"]),
    )

    assert thread.starred
    assert thread.labels == ("case",)
    assert thread.folders == ("inbox",)
    assert world.row(reply.id).starred
    assert world.row(first.id).message.labels == ("case",)
    mailbox_state.change_thread(
        world.uow,
        world.clock,
        world.organization_id,
        first.thread_id,
        MailboxChange.of(folder="trash"),
    )
    assert _threads(world) == []
    assert _threads(world, folder="trash") == ["Subject 1"]
    mailbox_state.change_thread(
        world.uow,
        world.clock,
        world.organization_id,
        first.thread_id,
        MailboxChange.of(folder="inbox"),
    )
    assert _threads(world) == ["Subject 1"]


def test_custom_folders_are_unique_in_any_case_and_not_system_names(world: World) -> None:
    made = mailbox_state.create_folder(world.uow, world.organization_id, world.inbox.id, "Clients")

    with pytest.raises(Conflict):
        mailbox_state.create_folder(world.uow, world.organization_id, world.inbox.id, "CLIENTS")
    with pytest.raises(ValidationError, match="system folder"):
        mailbox_state.create_folder(world.uow, world.organization_id, world.inbox.id, "Spam")
    other = mailbox_state.create_folder(world.uow, world.organization_id, world.inbox.id, "B")
    with pytest.raises(Conflict):
        mailbox_state.rename_folder(
            world.uow, world.organization_id, world.inbox.id, UUID(other.id), "clients"
        )
    assert made.system is False
    assert made.total == 0


def test_folders_list_the_system_ones_in_order_then_the_inboxs_own_with_counts(
    world: World,
) -> None:
    a, b = _mail(world, 1), _mail(world, 2)
    clients = mailbox_state.create_folder(world.uow, world.organization_id, world.inbox.id, "C")
    _change(world, a.id, folder=clients.id, starred=True)
    _change(world, b.id, read=True)

    found = mailbox_state.list_folders(world.uow, world.organization_id, world.inbox.id)

    assert [f.id for f in found] == [
        "inbox",
        "sent",
        "drafts",
        "starred",
        "archive",
        "spam",
        "trash",
        clients.id,
    ]
    assert _folders(world) == {
        "inbox": (1, 0),
        "sent": (0, 0),
        "drafts": (0, 0),
        "starred": (1, 1),
        "archive": (0, 0),
        "spam": (0, 0),
        "trash": (0, 0),
        "C": (1, 1),
    }


def test_deleting_a_folder_moves_its_mail_back_to_the_inbox(world: World) -> None:
    a = _mail(world, 1)
    clients = mailbox_state.create_folder(world.uow, world.organization_id, world.inbox.id, "C")
    _change(world, a.id, folder=clients.id)

    mailbox_state.delete_folder(world.uow, world.organization_id, world.inbox.id, UUID(clients.id))

    assert world.row(a.id).message.folder == "inbox"
    assert [
        f.name for f in mailbox_state.list_folders(world.uow, world.organization_id, world.inbox.id)
    ][-1] == "trash"
    with pytest.raises(NotFound):
        mailbox_state.delete_folder(
            world.uow, world.organization_id, world.inbox.id, UUID(clients.id)
        )


def test_labels_list_the_system_ones_then_those_in_use(world: World) -> None:
    a, b = _mail(world, 1), _mail(world, 2)
    _change(world, a.id, add=["zeta", "alpha"], starred=True, read=True)
    _change(world, b.id, add=["alpha"])
    c = _mail(world, 3)
    _change(world, c.id, add=["gone"], folder="trash")

    found = mailbox_state.list_labels(world.uow, world.organization_id, world.inbox.id)

    assert [(x.name, x.system, x.total, x.unread) for x in found] == [
        ("unread", True, 1, 1),
        ("starred", True, 1, 0),
        ("important", True, 0, 0),
        ("alpha", False, 2, 1),
        ("zeta", False, 1, 0),
    ]


def test_thread_lists_filter_by_folder_label_and_flags(world: World) -> None:
    a, b, c = _mail(world, 1), _mail(world, 2), _mail(world, 3)
    _change(world, a.id, add=["vip"], read=True)
    _change(world, b.id, starred=True, folder="archive")
    _change(world, c.id, folder="spam")

    assert _threads(world) == ["Subject 2", "Subject 1"]
    assert _threads(world, folder="inbox") == ["Subject 1"]
    assert _threads(world, folder="starred") == ["Subject 2"]
    assert _threads(world, folder="spam") == ["Subject 3"]
    assert _threads(world, label="vip") == ["Subject 1"]
    assert _threads(world, unread=True) == ["Subject 2"]
    assert _threads(world, unread=False) == ["Subject 1"]
    assert _threads(world, folder="archive", starred=True) == ["Subject 2"]
    assert _threads(world, folder="inbox", label="vip", starred=True) == []
    assert _threads(world, direction=Direction.INBOUND, from_address="ALICE@elsewhere.example") == [
        "Subject 2",
        "Subject 1",
    ]
    assert _threads(world, has_attachment=True) == []


def test_an_unknown_folder_in_a_listing_is_refused(world: World) -> None:
    sales = world.add_inbox("sales")
    theirs = mailbox_state.create_folder(world.uow, world.organization_id, sales.id, "Deals")

    for folder in ("nowhere", theirs.id):
        with pytest.raises(ValidationError) as refused:
            _threads(world, folder=folder)
        assert refused.value.field == "folder"


def test_a_filtered_thread_list_pages_by_the_folders_activity(world: World) -> None:
    for n in range(5):
        _mail(world, n)

    first = mailbox.list_threads(
        world.uow,
        world.organization_id,
        world.inbox.id,
        PageRequest(limit=2),
        filters=MailboxFilter(folder="inbox"),
    )
    rest = mailbox.list_threads(
        world.uow,
        world.organization_id,
        world.inbox.id,
        PageRequest.parse(10, first.next_page_token),
        filters=MailboxFilter(folder="inbox"),
    )

    subjects = [t.subject for t in first.items + rest.items]
    assert subjects == [f"Subject {n}" for n in (4, 3, 2, 1, 0)]


def test_a_thread_list_takes_a_window_on_its_activity(world: World) -> None:
    _mail(world, 1)
    middle = world.clock.now()
    _mail(world, 2)

    page = mailbox.list_threads(
        world.uow,
        world.organization_id,
        world.inbox.id,
        PageRequest(),
        window=TimeWindow.of(middle + timedelta(seconds=1), None),
    )

    assert [t.subject for t in page.items] == ["Subject 2"]


def test_message_lists_filter_on_the_same_rules(world: World) -> None:
    a, b, c = _mail(world, 1), _mail(world, 2), _mail(world, 3)
    _change(world, a.id, add=["vip"], read=True)
    _change(world, b.id, starred=True)
    _change(world, c.id, folder="trash")

    def listed(**filters: object) -> list[str | None]:
        page = mailbox.list_messages(
            world.uow,
            world.organization_id,
            world.inbox.id,
            PageRequest(),
            quarantined=False,
            filters=MailboxFilter(**filters),  # type: ignore[arg-type]
        )
        return [m.subject for m in page.items]

    assert listed() == ["Subject 2", "Subject 1"]
    assert listed(folder="trash") == ["Subject 3"]
    assert listed(folder="starred") == ["Subject 2"]
    assert listed(label="vip") == ["Subject 1"]
    assert listed(label="unread") == ["Subject 2"]
    assert listed(unread=False, starred=False) == ["Subject 1"]


def test_mail_still_to_be_sent_is_not_filed_into_trash_by_a_change(world: World) -> None:
    """DELETE refuses mail waiting to be sent (it is cancelled, not trashed: the dispatcher
    never sends mail in trash); `folder: trash` by PATCH, on a thread or in a batch, too."""
    later = world.send(send_at=world.clock.now() + timedelta(hours=1))
    assert later.thread_id is not None
    trash = MailboxChange.of(folder="trash")

    with pytest.raises(Conflict, match="cancel it"):
        _change(world, later.id, folder="trash")
    with pytest.raises(Conflict, match="cancel it"):
        mailbox_state.change_thread(
            world.uow, world.clock, world.organization_id, later.thread_id, trash
        )
    with pytest.raises(Conflict, match="cancel it"):
        mailbox_state.change_messages(
            world.uow, world.clock, world.organization_id, [later.id], trash
        )
    row = world.row(later.id)
    assert (row.message.folder, row.deleted_at) == ("sent", None)
    assert _change(world, later.id, folder="archive").folder == "archive"


def test_filing_a_thread_leaves_its_trashed_mail_in_trash(world: World) -> None:
    """A thread's move reaches the mail it shows (GET /threads/{id}: outside trash; all of
    it when all is in trash): archiving a thread does not bring back a message deleted from
    it, and filing a thread wholly in trash moves all of it."""
    first = _mail(world, 1)
    reply = _mail(world, 2, extra="In-Reply-To: <m1@x.example>\r\n")
    assert first.thread_id is not None
    _change(world, reply.id, folder="trash")

    def file(folder: str) -> None:
        assert first.thread_id is not None
        mailbox_state.change_thread(
            world.uow,
            world.clock,
            world.organization_id,
            first.thread_id,
            MailboxChange.of(folder=folder),
        )

    file("archive")

    assert world.row(first.id).message.folder == "archive"
    assert (world.row(reply.id).message.folder, world.row(reply.id).restore_folder) == (
        "trash",
        "inbox",
    )
    file("trash")
    file("inbox")
    assert {world.row(m).message.folder for m in (first.id, reply.id)} == {"inbox"}
