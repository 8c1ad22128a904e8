"""`mailman import`: mbox, Maildir and .eml folders into an inbox, resumable and idempotent."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local import cli
from local.importer import import_path
from mailman.services import inboxes

from ..mail import make_mail
from .mail_helpers import MailSink, rows

CONVERSATION = [
    make_mail(message_id="<a@x>", subject="Plan", body="first"),
    make_mail(message_id="<b@x>", subject="Re: Plan", extra="In-Reply-To: <a@x>\r\n"),
    make_mail(message_id="<c@x>", subject="Other", body="unrelated"),
]


def _mbox(path: Path) -> Path:
    box = mailbox.mbox(path)
    for raw in CONVERSATION:
        box.add(raw)
    box.flush()
    return path


def _maildir(path: Path) -> Path:
    box = mailbox.Maildir(path)
    for raw in CONVERSATION:
        box.add(raw)
    return path


def _eml_folder(path: Path) -> Path:
    path.mkdir()
    for i, raw in enumerate(CONVERSATION):
        (path / f"{i}.eml").write_bytes(raw)
    return path


@pytest.mark.parametrize("make", [_mbox, _maildir, _eml_folder], ids=["mbox", "maildir", "eml"])
def test_an_import_threads_like_live_mail_and_a_rerun_adds_nothing(
    mailbox: MailSink, tmp_path: Path, make: object
) -> None:
    source = make(tmp_path / "source")  # type: ignore[operator]
    inbox = inboxes.find_inbox(mailbox.container.uow, mailbox.support)

    first = import_path(mailbox.container, inbox, source, progress=False)
    again = import_path(mailbox.container, inbox, source, progress=False)

    assert (first.seen, first.stored, first.skipped) == (3, 3, 0)
    assert (again.stored, again.skipped) == (0, 3)
    assert rows(mailbox, "SELECT count(*) FROM messages WHERE source = 'import'") == [(3,)]
    threads = rows(mailbox, "SELECT subject, message_count FROM threads ORDER BY subject")
    assert threads == [("Other", 1), ("Plan", 2)]


def _dated(message_id: str, date: str | None) -> bytes:
    header = f"Date: {date}\r\n" if date is not None else ""
    return (
        f"From: Alice <alice@elsewhere.example>\r\nTo: support@example.com\r\n"
        f"Subject: {message_id}\r\nMessage-ID: <{message_id}@x>\r\n{header}\r\nHi\r\n"
    ).encode()


def test_the_date_header_is_the_received_at_and_utc_when_it_names_no_zone(
    mailbox: MailSink, tmp_path: Path
) -> None:
    source = tmp_path / "eml"
    source.mkdir()
    dates = {
        "zoned": "Sat, 21 Nov 2026 11:00:00 +0200",
        "naive": "Sat, 21 Nov 2026 11:00:00 -0000",
        "garbled": "not a date",
        "missing": None,
    }
    for name, date in dates.items():
        (source / f"{name}.eml").write_bytes(_dated(name, date))
    inbox = inboxes.find_inbox(mailbox.container.uow, mailbox.support)

    before = datetime.now(UTC)
    import_path(mailbox.container, inbox, source, progress=False)
    after = datetime.now(UTC)

    received = dict(
        rows(mailbox, "SELECT subject, received_at FROM messages WHERE source = 'import'")
    )
    assert received["zoned"] == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    assert received["naive"] == datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    assert before <= received["garbled"] <= after
    assert before <= received["missing"] <= after


def test_the_command_reports_what_it_did(
    mailbox: MailSink,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", mailbox.database_url)
    source = _eml_folder(tmp_path / "eml")

    code = cli.main(["import", "--inbox", str(mailbox.support), "--quiet", str(source)])

    assert code == 0
    assert "imported 3, already there 0, quarantined 0 (of 3)" in capsys.readouterr().out


def test_the_command_refuses_a_missing_path_and_an_unknown_inbox(
    mailbox: MailSink,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", mailbox.database_url)

    missing = cli.main(["import", "--inbox", str(mailbox.support), str(tmp_path / "nope")])
    unknown = cli.main(["import", "--inbox", "00000000-0000-0000-0000-000000000000", str(tmp_path)])
    not_an_id = cli.main(["import", "--inbox", "support", str(tmp_path)])

    err = capsys.readouterr().err
    assert (missing, unknown, not_an_id) == (1, 1, 1)
    assert "does not exist" in err
    assert "no such inbox" in err
    assert "is not an id" in err
