from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.suppression_in_reason import (
    SuppressionInReason,
    check_suppression_in_reason,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="SuppressionIn")


@_attrs_define
class SuppressionIn:
    """
    Attributes:
        address (str):
        note (None | str | Unset): Your own words on why, kept in the entry's details.
        reason (SuppressionInReason | Unset): Why you suppress it; bounces and complaints are added as SES reports them.
            Default: 'manual'.
    """

    address: str
    note: None | str | Unset = UNSET
    reason: SuppressionInReason | Unset = "manual"

    def to_dict(self) -> dict[str, Any]:
        address = self.address

        note: None | str | Unset
        if isinstance(self.note, Unset):
            note = UNSET
        else:
            note = self.note

        reason: str | Unset = UNSET
        if not isinstance(self.reason, Unset):
            reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "address": address,
            }
        )
        if note is not UNSET:
            field_dict["note"] = note
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        address = d.pop("address")

        def _parse_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        note = _parse_note(d.pop("note", UNSET))

        _reason = d.pop("reason", UNSET)
        reason: SuppressionInReason | Unset
        if isinstance(_reason, Unset):
            reason = UNSET
        else:
            reason = check_suppression_in_reason(_reason)

        suppression_in = cls(
            address=address,
            note=note,
            reason=reason,
        )

        return suppression_in
