from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RuleOut")


@_attrs_define
class RuleOut:
    """
    Attributes:
        max_failing_source_share (float): No source may fail DMARC with more than this share of all messages.
        min_days (int): Days with a report, at least.
        min_dmarc_pass_rate (float):
        min_messages (int): Messages reported, at least.
    """

    max_failing_source_share: float
    min_days: int
    min_dmarc_pass_rate: float
    min_messages: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        max_failing_source_share = self.max_failing_source_share

        min_days = self.min_days

        min_dmarc_pass_rate = self.min_dmarc_pass_rate

        min_messages = self.min_messages

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "max_failing_source_share": max_failing_source_share,
                "min_days": min_days,
                "min_dmarc_pass_rate": min_dmarc_pass_rate,
                "min_messages": min_messages,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        max_failing_source_share = d.pop("max_failing_source_share")

        min_days = d.pop("min_days")

        min_dmarc_pass_rate = d.pop("min_dmarc_pass_rate")

        min_messages = d.pop("min_messages")

        rule_out = cls(
            max_failing_source_share=max_failing_source_share,
            min_days=min_days,
            min_dmarc_pass_rate=min_dmarc_pass_rate,
            min_messages=min_messages,
        )

        rule_out.additional_properties = d
        return rule_out

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
