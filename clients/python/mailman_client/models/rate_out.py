from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.verdict import Verdict, check_verdict

T = TypeVar("T", bound="RateOut")


@_attrs_define
class RateOut:
    """
    Attributes:
        at_risk (float): SES may pause the account's sending at this rate.
        value (float | None): A ratio (0.05 is 5%); null when nothing was sent.
        verdict (Verdict):
        warning (float): SES puts the account under review at this rate.
    """

    at_risk: float
    value: float | None
    verdict: Verdict
    warning: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at_risk = self.at_risk

        value: float | None
        value = self.value

        verdict: str = self.verdict

        warning = self.warning

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at_risk": at_risk,
                "value": value,
                "verdict": verdict,
                "warning": warning,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        at_risk = d.pop("at_risk")

        def _parse_value(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        value = _parse_value(d.pop("value"))

        verdict = check_verdict(d.pop("verdict"))

        warning = d.pop("warning")

        rate_out = cls(
            at_risk=at_risk,
            value=value,
            verdict=verdict,
            warning=warning,
        )

        rate_out.additional_properties = d
        return rate_out

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
