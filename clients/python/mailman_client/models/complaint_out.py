from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ComplaintOut")


@_attrs_define
class ComplaintOut:
    """
    Attributes:
        feedback_type (None | str): The feedback type the complaint carried (abuse, fraud, ...), if any.
    """

    feedback_type: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        feedback_type: None | str
        feedback_type = self.feedback_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "feedback_type": feedback_type,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_feedback_type(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        feedback_type = _parse_feedback_type(d.pop("feedback_type"))

        complaint_out = cls(
            feedback_type=feedback_type,
        )

        complaint_out.additional_properties = d
        return complaint_out

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
