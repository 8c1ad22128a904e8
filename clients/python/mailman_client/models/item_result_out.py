from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.suppression_outcome import SuppressionOutcome, check_suppression_outcome
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.item_error_out import ItemErrorOut


T = TypeVar("T", bound="ItemResultOut")


@_attrs_define
class ItemResultOut:
    """
    Attributes:
        address (str): Canonical when valid, else as given.
        result (SuppressionOutcome):
        error (ItemErrorOut | None | Unset): Why an item is invalid.
    """

    address: str
    result: SuppressionOutcome
    error: ItemErrorOut | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.item_error_out import ItemErrorOut

        address = self.address

        result: str = self.result

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, ItemErrorOut):
            error = self.error.to_dict()
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "address": address,
                "result": result,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.item_error_out import ItemErrorOut

        d = dict(src_dict)
        address = d.pop("address")

        result = check_suppression_outcome(d.pop("result"))

        def _parse_error(data: object) -> ItemErrorOut | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = ItemErrorOut.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ItemErrorOut | None | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        item_result_out = cls(
            address=address,
            result=result,
            error=error,
        )

        item_result_out.additional_properties = d
        return item_result_out

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
