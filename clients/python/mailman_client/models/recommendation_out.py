from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.rule_out import RuleOut


T = TypeVar("T", bound="RecommendationOut")


@_attrs_define
class RecommendationOut:
    """
    Attributes:
        advice (str):
        current_policy (None | str): The policy the latest report found.
        next_policy (None | str): One step up; null at reject or when unknown.
        reasons (list[str]): Why it is not safe (empty when it is).
        rule (RuleOut):
        safe (bool): Whether moving to `next_policy` is safe by the reports.
    """

    advice: str
    current_policy: None | str
    next_policy: None | str
    reasons: list[str]
    rule: RuleOut
    safe: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        advice = self.advice

        current_policy: None | str
        current_policy = self.current_policy

        next_policy: None | str
        next_policy = self.next_policy

        reasons = self.reasons

        rule = self.rule.to_dict()

        safe = self.safe

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "advice": advice,
                "current_policy": current_policy,
                "next_policy": next_policy,
                "reasons": reasons,
                "rule": rule,
                "safe": safe,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.rule_out import RuleOut

        d = dict(src_dict)
        advice = d.pop("advice")

        def _parse_current_policy(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        current_policy = _parse_current_policy(d.pop("current_policy"))

        def _parse_next_policy(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_policy = _parse_next_policy(d.pop("next_policy"))

        reasons = cast(list[str], d.pop("reasons"))

        rule = RuleOut.from_dict(d.pop("rule"))

        safe = d.pop("safe")

        recommendation_out = cls(
            advice=advice,
            current_policy=current_policy,
            next_policy=next_policy,
            reasons=reasons,
            rule=rule,
            safe=safe,
        )

        recommendation_out.additional_properties = d
        return recommendation_out

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
