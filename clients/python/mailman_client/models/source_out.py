from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SourceOut")


@_attrs_define
class SourceOut:
    """
    Attributes:
        dkim_aligned_pass (int):
        dmarc_fail (int):
        dmarc_pass (int):
        messages (int):
        reporter (str):
        reverse_dns (None | str):
        source_ip (str):
        spf_aligned_pass (int):
    """

    dkim_aligned_pass: int
    dmarc_fail: int
    dmarc_pass: int
    messages: int
    reporter: str
    reverse_dns: None | str
    source_ip: str
    spf_aligned_pass: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dkim_aligned_pass = self.dkim_aligned_pass

        dmarc_fail = self.dmarc_fail

        dmarc_pass = self.dmarc_pass

        messages = self.messages

        reporter = self.reporter

        reverse_dns: None | str
        reverse_dns = self.reverse_dns

        source_ip = self.source_ip

        spf_aligned_pass = self.spf_aligned_pass

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dkim_aligned_pass": dkim_aligned_pass,
                "dmarc_fail": dmarc_fail,
                "dmarc_pass": dmarc_pass,
                "messages": messages,
                "reporter": reporter,
                "reverse_dns": reverse_dns,
                "source_ip": source_ip,
                "spf_aligned_pass": spf_aligned_pass,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        dkim_aligned_pass = d.pop("dkim_aligned_pass")

        dmarc_fail = d.pop("dmarc_fail")

        dmarc_pass = d.pop("dmarc_pass")

        messages = d.pop("messages")

        reporter = d.pop("reporter")

        def _parse_reverse_dns(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reverse_dns = _parse_reverse_dns(d.pop("reverse_dns"))

        source_ip = d.pop("source_ip")

        spf_aligned_pass = d.pop("spf_aligned_pass")

        source_out = cls(
            dkim_aligned_pass=dkim_aligned_pass,
            dmarc_fail=dmarc_fail,
            dmarc_pass=dmarc_pass,
            messages=messages,
            reporter=reporter,
            reverse_dns=reverse_dns,
            source_ip=source_ip,
            spf_aligned_pass=spf_aligned_pass,
        )

        source_out.additional_properties = d
        return source_out

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
