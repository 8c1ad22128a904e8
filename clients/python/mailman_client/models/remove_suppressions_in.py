from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="RemoveSuppressionsIn")


@_attrs_define
class RemoveSuppressionsIn:
    """
    Attributes:
        addresses (list[str]): Up to 1,000 addresses to take off the list.
    """

    addresses: list[str]

    def to_dict(self) -> dict[str, Any]:
        addresses = self.addresses

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "addresses": addresses,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        addresses = cast(list[str], d.pop("addresses"))

        remove_suppressions_in = cls(
            addresses=addresses,
        )

        return remove_suppressions_in
