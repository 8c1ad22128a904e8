from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.auth_result_out import AuthResultOut


T = TypeVar("T", bound="ReportRowOut")


@_attrs_define
class ReportRowOut:
    """One record of a report: mail from one source with one set of results.

    Attributes:
        auth_results (list[AuthResultOut]): Raw DKIM and SPF results.
        count (int): Messages this record counts.
        disposition (str): What the receiver did: none, quarantine or reject.
        dkim_aligned (str): Aligned DKIM: pass or fail.
        dmarc_pass (bool): Either aligned result passed.
        envelope_from (None | str):
        envelope_to (None | str):
        header_from (str):
        reasons (list[str]): Policy override reasons (forwarded, ...).
        reverse_dns (None | str): The source's reverse DNS name, when stored.
        source_ip (str):
        spf_aligned (str): Aligned SPF: pass or fail.
    """

    auth_results: list[AuthResultOut]
    count: int
    disposition: str
    dkim_aligned: str
    dmarc_pass: bool
    envelope_from: None | str
    envelope_to: None | str
    header_from: str
    reasons: list[str]
    reverse_dns: None | str
    source_ip: str
    spf_aligned: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        auth_results = []
        for auth_results_item_data in self.auth_results:
            auth_results_item = auth_results_item_data.to_dict()
            auth_results.append(auth_results_item)

        count = self.count

        disposition = self.disposition

        dkim_aligned = self.dkim_aligned

        dmarc_pass = self.dmarc_pass

        envelope_from: None | str
        envelope_from = self.envelope_from

        envelope_to: None | str
        envelope_to = self.envelope_to

        header_from = self.header_from

        reasons = self.reasons

        reverse_dns: None | str
        reverse_dns = self.reverse_dns

        source_ip = self.source_ip

        spf_aligned = self.spf_aligned

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "auth_results": auth_results,
                "count": count,
                "disposition": disposition,
                "dkim_aligned": dkim_aligned,
                "dmarc_pass": dmarc_pass,
                "envelope_from": envelope_from,
                "envelope_to": envelope_to,
                "header_from": header_from,
                "reasons": reasons,
                "reverse_dns": reverse_dns,
                "source_ip": source_ip,
                "spf_aligned": spf_aligned,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.auth_result_out import AuthResultOut

        d = dict(src_dict)
        auth_results = []
        _auth_results = d.pop("auth_results")
        for auth_results_item_data in _auth_results:
            auth_results_item = AuthResultOut.from_dict(auth_results_item_data)

            auth_results.append(auth_results_item)

        count = d.pop("count")

        disposition = d.pop("disposition")

        dkim_aligned = d.pop("dkim_aligned")

        dmarc_pass = d.pop("dmarc_pass")

        def _parse_envelope_from(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        envelope_from = _parse_envelope_from(d.pop("envelope_from"))

        def _parse_envelope_to(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        envelope_to = _parse_envelope_to(d.pop("envelope_to"))

        header_from = d.pop("header_from")

        reasons = cast(list[str], d.pop("reasons"))

        def _parse_reverse_dns(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reverse_dns = _parse_reverse_dns(d.pop("reverse_dns"))

        source_ip = d.pop("source_ip")

        spf_aligned = d.pop("spf_aligned")

        report_row_out = cls(
            auth_results=auth_results,
            count=count,
            disposition=disposition,
            dkim_aligned=dkim_aligned,
            dmarc_pass=dmarc_pass,
            envelope_from=envelope_from,
            envelope_to=envelope_to,
            header_from=header_from,
            reasons=reasons,
            reverse_dns=reverse_dns,
            source_ip=source_ip,
            spf_aligned=spf_aligned,
        )

        report_row_out.additional_properties = d
        return report_row_out

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
