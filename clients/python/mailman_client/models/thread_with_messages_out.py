from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.message_out import MessageOut


T = TypeVar("T", bound="ThreadWithMessagesOut")


@_attrs_define
class ThreadWithMessagesOut:
    """
    Attributes:
        created_at (datetime.datetime):
        folders (list[str]): The folders its messages are in (system folders' names, custom folders' ids).
        id (UUID):
        inbox_id (UUID):
        labels (list[str]): The labels of any of its messages (outside trash and spam).
        last_message_at (datetime.datetime | None):
        message_count (int):
        messages (list[MessageOut]): In order. Messages past what one answer holds come without their bodies and headers
            (see each one's `truncated`); a thread longer still answers its first messages only: read the rest with `GET
            /messages/{id}`.
        participants (list[str]):
        preview (None | str): The latest message's preview.
        starred (bool): Whether any of its messages (outside trash and spam) is starred.
        subject (None | str):
        unread (bool):
        unread_count (int):
    """

    created_at: datetime.datetime
    folders: list[str]
    id: UUID
    inbox_id: UUID
    labels: list[str]
    last_message_at: datetime.datetime | None
    message_count: int
    messages: list[MessageOut]
    participants: list[str]
    preview: None | str
    starred: bool
    subject: None | str
    unread: bool
    unread_count: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        folders = self.folders

        id = str(self.id)

        inbox_id = str(self.inbox_id)

        labels = self.labels

        last_message_at: None | str
        if isinstance(self.last_message_at, datetime.datetime):
            last_message_at = self.last_message_at.isoformat()
        else:
            last_message_at = self.last_message_at

        message_count = self.message_count

        messages = []
        for messages_item_data in self.messages:
            messages_item = messages_item_data.to_dict()
            messages.append(messages_item)

        participants = self.participants

        preview: None | str
        preview = self.preview

        starred = self.starred

        subject: None | str
        subject = self.subject

        unread = self.unread

        unread_count = self.unread_count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "folders": folders,
                "id": id,
                "inbox_id": inbox_id,
                "labels": labels,
                "last_message_at": last_message_at,
                "message_count": message_count,
                "messages": messages,
                "participants": participants,
                "preview": preview,
                "starred": starred,
                "subject": subject,
                "unread": unread,
                "unread_count": unread_count,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.message_out import MessageOut

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        folders = cast(list[str], d.pop("folders"))

        id = UUID(d.pop("id"))

        inbox_id = UUID(d.pop("inbox_id"))

        labels = cast(list[str], d.pop("labels"))

        def _parse_last_message_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_message_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_message_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_message_at = _parse_last_message_at(d.pop("last_message_at"))

        message_count = d.pop("message_count")

        messages = []
        _messages = d.pop("messages")
        for messages_item_data in _messages:
            messages_item = MessageOut.from_dict(messages_item_data)

            messages.append(messages_item)

        participants = cast(list[str], d.pop("participants"))

        def _parse_preview(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        preview = _parse_preview(d.pop("preview"))

        starred = d.pop("starred")

        def _parse_subject(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subject = _parse_subject(d.pop("subject"))

        unread = d.pop("unread")

        unread_count = d.pop("unread_count")

        thread_with_messages_out = cls(
            created_at=created_at,
            folders=folders,
            id=id,
            inbox_id=inbox_id,
            labels=labels,
            last_message_at=last_message_at,
            message_count=message_count,
            messages=messages,
            participants=participants,
            preview=preview,
            starred=starred,
            subject=subject,
            unread=unread,
            unread_count=unread_count,
        )

        thread_with_messages_out.additional_properties = d
        return thread_with_messages_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
