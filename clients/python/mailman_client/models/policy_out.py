from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PolicyOut")


@_attrs_define
class PolicyOut:
    """The DMARC record the reporter found published.

    Attributes:
        adkim (None | str):
        aspf (None | str):
        discovery_method (None | str): DMARCbis: psl or treewalk
        domain (str):
        fo (None | str):
        np (None | str): DMARCbis: the policy for non-existent subdomains
        p (None | str): none, quarantine or reject
        pct (int | None):
        sp (None | str):
        testing (None | str): DMARCbis: y or n
    """

    adkim: None | str
    aspf: None | str
    discovery_method: None | str
    domain: str
    fo: None | str
    np: None | str
    p: None | str
    pct: int | None
    sp: None | str
    testing: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        adkim: None | str
        adkim = self.adkim

        aspf: None | str
        aspf = self.aspf

        discovery_method: None | str
        discovery_method = self.discovery_method

        domain = self.domain

        fo: None | str
        fo = self.fo

        np: None | str
        np = self.np

        p: None | str
        p = self.p

        pct: int | None
        pct = self.pct

        sp: None | str
        sp = self.sp

        testing: None | str
        testing = self.testing

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "adkim": adkim,
                "aspf": aspf,
                "discovery_method": discovery_method,
                "domain": domain,
                "fo": fo,
                "np": np,
                "p": p,
                "pct": pct,
                "sp": sp,
                "testing": testing,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_adkim(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        adkim = _parse_adkim(d.pop("adkim"))

        def _parse_aspf(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        aspf = _parse_aspf(d.pop("aspf"))

        def _parse_discovery_method(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        discovery_method = _parse_discovery_method(d.pop("discovery_method"))

        domain = d.pop("domain")

        def _parse_fo(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        fo = _parse_fo(d.pop("fo"))

        def _parse_np(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        np = _parse_np(d.pop("np"))

        def _parse_p(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        p = _parse_p(d.pop("p"))

        def _parse_pct(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        pct = _parse_pct(d.pop("pct"))

        def _parse_sp(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sp = _parse_sp(d.pop("sp"))

        def _parse_testing(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        testing = _parse_testing(d.pop("testing"))

        policy_out = cls(
            adkim=adkim,
            aspf=aspf,
            discovery_method=discovery_method,
            domain=domain,
            fo=fo,
            np=np,
            p=p,
            pct=pct,
            sp=sp,
            testing=testing,
        )

        policy_out.additional_properties = d
        return policy_out

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
