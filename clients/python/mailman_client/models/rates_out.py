from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RatesOut")


@_attrs_define
class RatesOut:
    """
    Attributes:
        dkim_aligned (float | None): Share of messages with aligned DKIM passing.
        dmarc (float | None): Share of messages passing DMARC.
        spf_aligned (float | None): Share of messages with aligned SPF passing.
    """

    dkim_aligned: float | None
    dmarc: float | None
    spf_aligned: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dkim_aligned: float | None
        dkim_aligned = self.dkim_aligned

        dmarc: float | None
        dmarc = self.dmarc

        spf_aligned: float | None
        spf_aligned = self.spf_aligned

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dkim_aligned": dkim_aligned,
                "dmarc": dmarc,
                "spf_aligned": spf_aligned,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_dkim_aligned(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        dkim_aligned = _parse_dkim_aligned(d.pop("dkim_aligned"))

        def _parse_dmarc(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        dmarc = _parse_dmarc(d.pop("dmarc"))

        def _parse_spf_aligned(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        spf_aligned = _parse_spf_aligned(d.pop("spf_aligned"))

        rates_out = cls(
            dkim_aligned=dkim_aligned,
            dmarc=dmarc,
            spf_aligned=spf_aligned,
        )

        rates_out.additional_properties = d
        return rates_out

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
