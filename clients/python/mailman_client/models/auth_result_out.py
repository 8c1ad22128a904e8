from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AuthResultOut")


@_attrs_define
class AuthResultOut:
    """
    Attributes:
        domain (str):
        method (str): dkim or spf
        result (str):
        scope (None | str): SPF's scope: mfrom or helo
        selector (None | str): DKIM's selector
    """

    domain: str
    method: str
    result: str
    scope: None | str
    selector: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        domain = self.domain

        method = self.method

        result = self.result

        scope: None | str
        scope = self.scope

        selector: None | str
        selector = self.selector

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "domain": domain,
                "method": method,
                "result": result,
                "scope": scope,
                "selector": selector,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        domain = d.pop("domain")

        method = d.pop("method")

        result = d.pop("result")

        def _parse_scope(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        scope = _parse_scope(d.pop("scope"))

        def _parse_selector(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        selector = _parse_selector(d.pop("selector"))

        auth_result_out = cls(
            domain=domain,
            method=method,
            result=result,
            scope=scope,
            selector=selector,
        )

        auth_result_out.additional_properties = d
        return auth_result_out

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
