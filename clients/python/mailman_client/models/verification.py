from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Verification")


@_attrs_define
class Verification:
    """
    Attributes:
        dkim (bool):
        dmarc (bool):
        mx (bool):
        spf (bool):
    """

    dkim: bool
    dmarc: bool
    mx: bool
    spf: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dkim = self.dkim

        dmarc = self.dmarc

        mx = self.mx

        spf = self.spf

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dkim": dkim,
                "dmarc": dmarc,
                "mx": mx,
                "spf": spf,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        dkim = d.pop("dkim")

        dmarc = d.pop("dmarc")

        mx = d.pop("mx")

        spf = d.pop("spf")

        verification = cls(
            dkim=dkim,
            dmarc=dmarc,
            mx=mx,
            spf=spf,
        )

        verification.additional_properties = d
        return verification

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
