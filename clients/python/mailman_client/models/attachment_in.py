from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AttachmentIn")


@_attrs_define
class AttachmentIn:
    """
    Attributes:
        filename (str):
        attachment_id (None | Unset | UUID): An upload's id.
        content (None | str | Unset): The file, base64-encoded; 4 MiB in all per request (413 above). Larger files:
            upload with POST /attachments and give attachment_id.
        content_id (None | str | Unset): Shows the file inline: the HTML's `cid:`.
        content_type (None | str | Unset): Guessed from the filename when left out.
    """

    filename: str
    attachment_id: None | Unset | UUID = UNSET
    content: None | str | Unset = UNSET
    content_id: None | str | Unset = UNSET
    content_type: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        filename = self.filename

        attachment_id: None | str | Unset
        if isinstance(self.attachment_id, Unset):
            attachment_id = UNSET
        elif isinstance(self.attachment_id, UUID):
            attachment_id = str(self.attachment_id)
        else:
            attachment_id = self.attachment_id

        content: None | str | Unset
        if isinstance(self.content, Unset):
            content = UNSET
        else:
            content = self.content

        content_id: None | str | Unset
        if isinstance(self.content_id, Unset):
            content_id = UNSET
        else:
            content_id = self.content_id

        content_type: None | str | Unset
        if isinstance(self.content_type, Unset):
            content_type = UNSET
        else:
            content_type = self.content_type

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "filename": filename,
            }
        )
        if attachment_id is not UNSET:
            field_dict["attachment_id"] = attachment_id
        if content is not UNSET:
            field_dict["content"] = content
        if content_id is not UNSET:
            field_dict["content_id"] = content_id
        if content_type is not UNSET:
            field_dict["content_type"] = content_type

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        filename = d.pop("filename")

        def _parse_attachment_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                attachment_id_type_0 = UUID(data)

                return attachment_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        attachment_id = _parse_attachment_id(d.pop("attachment_id", UNSET))

        def _parse_content(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        content = _parse_content(d.pop("content", UNSET))

        def _parse_content_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        content_id = _parse_content_id(d.pop("content_id", UNSET))

        def _parse_content_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        content_type = _parse_content_type(d.pop("content_type", UNSET))

        attachment_in = cls(
            filename=filename,
            attachment_id=attachment_id,
            content=content,
            content_id=content_id,
            content_type=content_type,
        )

        return attachment_in
