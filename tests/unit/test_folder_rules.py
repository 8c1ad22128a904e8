"""The mailbox's pure rules: names, where mail lands, what a change asks, a message's facets."""

from __future__ import annotations

import pytest

from mailman.domain.errors import ValidationError
from mailman.domain.folders import (
    FacetSource,
    MailboxChange,
    SystemFolder,
    facets_of,
    folder_facet,
    folder_name,
    initial_folder,
    label_name,
)


def _source(**changes: object) -> FacetSource:
    base: dict[str, object] = {
        "folder": "inbox",
        "quarantined": False,
        "is_read": False,
        "starred": False,
        "labels": (),
        "attachment_count": 0,
        "direction": "inbound",
        "from_address": "Ann@X.example",
    }
    return FacetSource(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outgoing", "draft", "verdicts", "policy", "expected"),
    [
        (False, True, {}, None, SystemFolder.DRAFTS),
        (True, False, {}, None, SystemFolder.SENT),
        (False, False, {"spam": "FAIL"}, None, SystemFolder.SPAM),
        (False, False, {"dmarc": "FAIL"}, "QUARANTINE", SystemFolder.SPAM),
        (False, False, {"dmarc": "FAIL"}, "none", SystemFolder.INBOX),
        (False, False, {"spam": "PASS"}, None, SystemFolder.INBOX),
    ],
)
def test_new_mail_lands_by_direction_and_verdicts(
    outgoing: bool, draft: bool, verdicts: dict[str, str], policy: str | None, expected: str
) -> None:
    assert (
        initial_folder(outgoing=outgoing, draft=draft, verdicts=verdicts, dmarc_policy=policy)
        == expected
    )


@pytest.mark.parametrize("name", ["Inbox", "trash", " STARRED "])
def test_a_custom_folder_may_not_take_a_system_name(name: str) -> None:
    with pytest.raises(ValidationError, match="system folder"):
        folder_name(name)


@pytest.mark.parametrize("name", ["", " ", "x" * 101, "bad\nname", "zero\u200bwidth"])
def test_names_must_be_printable_and_short(name: str) -> None:
    with pytest.raises(ValidationError):
        folder_name(name)
    with pytest.raises(ValidationError):
        label_name(name)


def test_a_label_may_not_be_a_folder_but_may_be_starred() -> None:
    with pytest.raises(ValidationError, match="folder"):
        label_name("Archive")
    assert label_name(" Überweisung ") == "Überweisung"
    assert label_name("starred") == "starred"


def test_flag_labels_become_flags() -> None:
    change = MailboxChange.of(add=["unread", "starred", "vip"], remove=["old"])

    assert change == MailboxChange(read=False, starred=True, add=("vip",), remove=("old",))


def test_removing_the_unread_label_marks_read() -> None:
    assert MailboxChange.of(remove=["unread"]).read is True


@pytest.mark.parametrize(
    "asked",
    [
        {},
        {"read": True, "add": ["unread"]},
        {"starred": False, "add": ["starred"]},
        {"add": ["vip"], "remove": ["vip"]},
        {"add": [f"l{i}" for i in range(21)]},
    ],
)
def test_empty_or_contrary_changes_are_refused(asked: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        MailboxChange.of(**asked)  # type: ignore[arg-type]


def test_facets_of_mail_in_a_listed_folder() -> None:
    facets = facets_of(_source(starred=True, labels=("vip",), attachment_count=1))

    assert facets == {
        "in:inbox",
        "all",
        "dir:inbound",
        "from:ann@x.example",
        "is:unread",
        "is:starred",
        "has:attachment",
        "label:vip",
    }


@pytest.mark.parametrize("folder", ["trash", "spam"])
def test_trash_and_spam_carry_only_their_folder(folder: str) -> None:
    assert facets_of(_source(folder=folder, starred=True, labels=("vip",))) == {f"in:{folder}"}


def test_quarantined_mail_has_no_facet() -> None:
    assert facets_of(_source(quarantined=True)) == frozenset()


def test_the_starred_folder_lists_the_starred_facet() -> None:
    assert folder_facet("starred") == "is:starred"
    assert folder_facet("archive") == "in:archive"
