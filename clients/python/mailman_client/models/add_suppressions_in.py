from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.add_suppressions_in_reason_type_0 import (
    AddSuppressionsInReasonType0,
    check_add_suppressions_in_reason_type_0,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.suppression_in import SuppressionIn


T = TypeVar("T", bound="AddSuppressionsIn")


@_attrs_define
class AddSuppressionsIn:
    """One address (`address`, `reason`, `note`), or up to 1,000 (`suppressions`).

    Attributes:
        address (None | str | Unset):
        note (None | str | Unset):
        reason (AddSuppressionsInReasonType0 | None | Unset): With `address`: why (default `manual`).
        suppressions (list[SuppressionIn] | None | Unset): Up to 1,000 addresses at once, each with its result.
    """

    address: None | str | Unset = UNSET
    note: None | str | Unset = UNSET
    reason: AddSuppressionsInReasonType0 | None | Unset = UNSET
    suppressions: list[SuppressionIn] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        address: None | str | Unset
        if isinstance(self.address, Unset):
            address = UNSET
        else:
            address = self.address

        note: None | str | Unset
        if isinstance(self.note, Unset):
            note = UNSET
        else:
            note = self.note

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        elif isinstance(self.reason, str):
            reason = self.reason
        else:
            reason = self.reason

        suppressions: list[dict[str, Any]] | None | Unset
        if isinstance(self.suppressions, Unset):
            suppressions = UNSET
        elif isinstance(self.suppressions, list):
            suppressions = []
            for suppressions_type_0_item_data in self.suppressions:
                suppressions_type_0_item = suppressions_type_0_item_data.to_dict()
                suppressions.append(suppressions_type_0_item)

        else:
            suppressions = self.suppressions

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if address is not UNSET:
            field_dict["address"] = address
        if note is not UNSET:
            field_dict["note"] = note
        if reason is not UNSET:
            field_dict["reason"] = reason
        if suppressions is not UNSET:
            field_dict["suppressions"] = suppressions

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.suppression_in import SuppressionIn

        d = dict(src_dict)

        def _parse_address(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        address = _parse_address(d.pop("address", UNSET))

        def _parse_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        note = _parse_note(d.pop("note", UNSET))

        def _parse_reason(data: object) -> AddSuppressionsInReasonType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reason_type_0 = check_add_suppressions_in_reason_type_0(data)

                return reason_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AddSuppressionsInReasonType0 | None | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        def _parse_suppressions(data: object) -> list[SuppressionIn] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                suppressions_type_0 = []
                _suppressions_type_0 = data
                for suppressions_type_0_item_data in _suppressions_type_0:
                    suppressions_type_0_item = SuppressionIn.from_dict(
                        suppressions_type_0_item_data
                    )

                    suppressions_type_0.append(suppressions_type_0_item)

                return suppressions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[SuppressionIn] | None | Unset, data)

        suppressions = _parse_suppressions(d.pop("suppressions", UNSET))

        add_suppressions_in = cls(
            address=address,
            note=note,
            reason=reason,
            suppressions=suppressions,
        )

        return add_suppressions_in
