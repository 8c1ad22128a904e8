from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.search_from_out import SearchFromOut
    from ..models.snippet_out import SnippetOut


T = TypeVar("T", bound="SearchHitOut")


@_attrs_define
class SearchHitOut:
    """A message the query matched; GET /messages/{id} reads it whole.

    Attributes:
        created_at (datetime.datetime):
        folder (str): A system folder's name or a custom folder's id.
        from_ (SearchFromOut):
        has_attachments (bool):
        id (UUID):
        inbox_id (UUID):
        labels (list[str]):
        rank (float): How well it matched (ts_rank: subject counts most, then the sender, the recipients, the text);
            hits come best first within bands of the newest matches (docs/search.md).
        read (bool):
        snippet (SnippetOut):
        starred (bool):
        subject (None | str):
        thread_id (None | UUID):
    """

    created_at: datetime.datetime
    folder: str
    from_: SearchFromOut
    has_attachments: bool
    id: UUID
    inbox_id: UUID
    labels: list[str]
    rank: float
    read: bool
    snippet: SnippetOut
    starred: bool
    subject: None | str
    thread_id: None | UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        folder = self.folder

        from_ = self.from_.to_dict()

        has_attachments = self.has_attachments

        id = str(self.id)

        inbox_id = str(self.inbox_id)

        labels = self.labels

        rank = self.rank

        read = self.read

        snippet = self.snippet.to_dict()

        starred = self.starred

        subject: None | str
        subject = self.subject

        thread_id: None | str
        if isinstance(self.thread_id, UUID):
            thread_id = str(self.thread_id)
        else:
            thread_id = self.thread_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "folder": folder,
                "from": from_,
                "has_attachments": has_attachments,
                "id": id,
                "inbox_id": inbox_id,
                "labels": labels,
                "rank": rank,
                "read": read,
                "snippet": snippet,
                "starred": starred,
                "subject": subject,
                "thread_id": thread_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.search_from_out import SearchFromOut
        from ..models.snippet_out import SnippetOut

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        folder = d.pop("folder")

        from_ = SearchFromOut.from_dict(d.pop("from"))

        has_attachments = d.pop("has_attachments")

        id = UUID(d.pop("id"))

        inbox_id = UUID(d.pop("inbox_id"))

        labels = cast(list[str], d.pop("labels"))

        rank = d.pop("rank")

        read = d.pop("read")

        snippet = SnippetOut.from_dict(d.pop("snippet"))

        starred = d.pop("starred")

        def _parse_subject(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subject = _parse_subject(d.pop("subject"))

        def _parse_thread_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                thread_id_type_0 = UUID(data)

                return thread_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        thread_id = _parse_thread_id(d.pop("thread_id"))

        search_hit_out = cls(
            created_at=created_at,
            folder=folder,
            from_=from_,
            has_attachments=has_attachments,
            id=id,
            inbox_id=inbox_id,
            labels=labels,
            rank=rank,
            read=read,
            snippet=snippet,
            starred=starred,
            subject=subject,
            thread_id=thread_id,
        )

        search_hit_out.additional_properties = d
        return search_hit_out

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
