"""The mailbox's rules: system folders and labels, where new mail lands, what a change to a
message asks, and the facets a message is listed and counted under (the same rule as
migration 0020's `mailbox_facets`, which keeps PostgreSQL's counts; the in-memory fakes
read this one)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from mailman.domain.errors import ValidationError
from mailman.domain.sending import MAX_LABEL_LENGTH, MAX_LABELS


class SystemFolder(StrEnum):
    """Folders every inbox has, never deletable. `starred` is virtual: starred mail outside
    trash and spam; no message is stored in it."""

    INBOX = "inbox"
    SENT = "sent"
    DRAFTS = "drafts"
    STARRED = "starred"
    ARCHIVE = "archive"
    SPAM = "spam"
    TRASH = "trash"


VIRTUAL_FOLDERS = frozenset({SystemFolder.STARRED})
HIDDEN_FOLDERS = frozenset({SystemFolder.TRASH, SystemFolder.SPAM})
"""Mail in these is listed and counted only in its folder: not in `all`, labels, unread."""


class SystemLabel(StrEnum):
    """Labels with a meaning of their own: `unread` and `starred` are the message's flags,
    `important` is kept with its custom labels. A message's folder is shown among its labels
    too, but is changed with `folder`, not as a label."""

    UNREAD = "unread"
    STARRED = "starred"
    IMPORTANT = "important"


MIN_RETENTION_DAYS = 1
MAX_RETENTION_DAYS = 3650
"""How long an inbox may keep mail in trash before it is erased (`trash_retention_days`,
30 by default: migration 0020)."""
MAX_FOLDER_NAME = 100
MAX_BATCH = 500
"""Ids one batch change names at most."""


def _printable(value: str, field: str, limit: int) -> str:
    name = unicodedata.normalize("NFC", value.strip())
    if not 1 <= len(name) <= limit:
        raise ValidationError(f"must be 1 to {limit} characters", field=field)
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        raise ValidationError("must not contain control characters", field=field)
    return name


def folder_name(value: str, field: str = "name") -> str:
    """A custom folder's name: printable, at most 100 characters, and not a system folder's."""
    name = _printable(value, field, MAX_FOLDER_NAME)
    if name.lower() in set(SystemFolder):
        raise ValidationError(f"{name!r} is a system folder's name", field=field)
    return name


def label_name(value: str, field: str = "labels") -> str:
    """A label as stored: printable, at most 100 characters, not a folder's name (a folder is
    changed with `folder`), compared as written."""
    name = _printable(value, field, MAX_LABEL_LENGTH)
    if name.lower() in set(SystemFolder) - {SystemFolder.STARRED}:
        raise ValidationError(f"{name!r} is a folder: move the message with `folder`", field=field)
    return name


def initial_folder(
    *, outgoing: bool, draft: bool, verdicts: Mapping[str, object], dmarc_policy: str | None
) -> SystemFolder:
    """Where new mail lands: drafts in `drafts`, mail sent in `sent`; mail received in `spam`
    when SES judged it spam, or DMARC failed under a sender policy of `quarantine`; else in
    `inbox`."""
    if draft:
        return SystemFolder.DRAFTS
    if outgoing:
        return SystemFolder.SENT
    if verdicts.get("spam") == "FAIL":
        return SystemFolder.SPAM
    if verdicts.get("dmarc") == "FAIL" and (dmarc_policy or "").lower() == "quarantine":
        return SystemFolder.SPAM
    return SystemFolder.INBOX


@dataclass(frozen=True)
class MailboxChange:
    """One change to messages (`PATCH`, a batch): any of read, starred, a folder (a system
    folder's name or a custom folder's id, resolved by the service) and labels to add and
    remove. `unread` and `starred` as labels are the flags."""

    read: bool | None = None
    starred: bool | None = None
    folder: str | None = None
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        read: bool | None = None,
        starred: bool | None = None,
        folder: str | None = None,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
    ) -> MailboxChange:
        """The change asked for, its labels checked and its flag labels turned into flags;
        an empty change, or one that asks two contrary things, is refused."""
        added = _labels(add, "labels.add")
        removed = _labels(remove, "labels.remove")
        if set(added) & set(removed):
            raise ValidationError("a label is both added and removed", field="labels")
        read = _flag(read, SystemLabel.UNREAD, removed, added, "read")
        starred = _flag(starred, SystemLabel.STARRED, added, removed, "starred")
        flags = {SystemLabel.UNREAD, SystemLabel.STARRED}
        change = cls(
            read,
            starred,
            folder,
            tuple(a for a in added if a not in flags),
            tuple(r for r in removed if r not in flags),
        )
        if change == cls():
            raise ValidationError("nothing to change", field="body")
        return change


def _labels(names: Iterable[str], field: str) -> tuple[str, ...]:
    found = tuple(dict.fromkeys(label_name(n, field) for n in names))
    if len(found) > MAX_LABELS:
        raise ValidationError(f"at most {MAX_LABELS} labels at once", field=field)
    return found


def _flag(
    given: bool | None, label: str, sets: tuple[str, ...], clears: tuple[str, ...], field: str
) -> bool | None:
    """A flag asked for directly or by its label (`sets` holds it: True; `clears`: False)."""
    by_label = True if label in sets else False if label in clears else None
    if given is not None and by_label is not None and given != by_label:
        raise ValidationError(f"{field} and the {label!r} label disagree", field=field)
    return given if given is not None else by_label


@dataclass(frozen=True)
class FacetSource:
    """What of a message its facets depend on."""

    folder: str
    quarantined: bool
    is_read: bool
    starred: bool
    labels: tuple[str, ...]
    attachment_count: int
    direction: str
    from_address: str


def facets_of(m: FacetSource) -> frozenset[str]:
    """The facets a message is listed and counted under: `in:<folder>` always; outside trash
    and spam also `all`, `dir:`, `from:`, `is:unread`, `is:starred`, `has:attachment` and a
    `label:` per label. Quarantined mail has none."""
    if m.quarantined:
        return frozenset()
    found = {f"in:{m.folder}"}
    if m.folder in HIDDEN_FOLDERS:
        return frozenset(found)
    found |= {"all", f"dir:{m.direction}", f"from:{m.from_address.lower()}"}
    found |= {f"label:{label}" for label in m.labels}
    if not m.is_read:
        found.add("is:unread")
    if m.starred:
        found.add("is:starred")
    if m.attachment_count > 0:
        found.add("has:attachment")
    return frozenset(found)


def folder_facet(folder: str) -> str:
    """The facet a folder lists: `is:starred` for the virtual `starred`, else `in:<folder>`."""
    return "is:starred" if folder == SystemFolder.STARRED else f"in:{folder}"
