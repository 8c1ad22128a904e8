from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.change_in import ChangeIn


T = TypeVar("T", bound="BatchIn")


@_attrs_define
class BatchIn:
    """
    Attributes:
        change (ChangeIn): Any of these; what is not named is kept.
        ids (list[UUID]): Up to 500 ids; an id named twice counts once.
    """

    change: ChangeIn
    ids: list[UUID]

    def to_dict(self) -> dict[str, Any]:
        change = self.change.to_dict()

        ids = []
        for ids_item_data in self.ids:
            ids_item = str(ids_item_data)
            ids.append(ids_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "change": change,
                "ids": ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.change_in import ChangeIn

        d = dict(src_dict)
        change = ChangeIn.from_dict(d.pop("change"))

        ids = []
        _ids = d.pop("ids")
        for ids_item_data in _ids:
            ids_item = UUID(ids_item_data)

            ids.append(ids_item)

        batch_in = cls(
            change=change,
            ids=ids,
        )

        return batch_in
