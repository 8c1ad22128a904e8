from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="FolderIn")


@_attrs_define
class FolderIn:
    """
    Attributes:
        name (str): 1 to 100 characters (surrounding spaces dropped), unique in the inbox whatever the case, not a
            system folder's name.
    """

    name: str

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        folder_in = cls(
            name=name,
        )

        return folder_in
