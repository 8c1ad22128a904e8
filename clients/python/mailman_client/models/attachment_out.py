from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AttachmentOut")


@_attrs_define
class AttachmentOut:
    """A file of a message; GET /messages/{id}/attachments/{attachment_id} gives a link to it.

    Attributes:
        content_id (None | str): Its Content-ID, which an HTML body may cite
        content_type (str): Its media type, e.g. application/pdf
        filename (None | str): Its file name, as the mail or the sender gave it
        id (UUID): The attachment's id in this message
        inline (bool): Whether it is shown in the body rather than attached
        sha256 (str): The SHA-256 of its bytes, hex ('' where not computed)
        size_bytes (int): Its size once decoded
    """

    content_id: None | str
    content_type: str
    filename: None | str
    id: UUID
    inline: bool
    sha256: str
    size_bytes: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content_id: None | str
        content_id = self.content_id

        content_type = self.content_type

        filename: None | str
        filename = self.filename

        id = str(self.id)

        inline = self.inline

        sha256 = self.sha256

        size_bytes = self.size_bytes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "content_id": content_id,
                "content_type": content_type,
                "filename": filename,
                "id": id,
                "inline": inline,
                "sha256": sha256,
                "size_bytes": size_bytes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_content_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        content_id = _parse_content_id(d.pop("content_id"))

        content_type = d.pop("content_type")

        def _parse_filename(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        filename = _parse_filename(d.pop("filename"))

        id = UUID(d.pop("id"))

        inline = d.pop("inline")

        sha256 = d.pop("sha256")

        size_bytes = d.pop("size_bytes")

        attachment_out = cls(
            content_id=content_id,
            content_type=content_type,
            filename=filename,
            id=id,
            inline=inline,
            sha256=sha256,
            size_bytes=size_bytes,
        )

        attachment_out.additional_properties = d
        return attachment_out

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
