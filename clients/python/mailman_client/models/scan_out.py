from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.scan_verdict import ScanVerdict, check_scan_verdict

T = TypeVar("T", bound="ScanOut")


@_attrs_define
class ScanOut:
    """What our virus scanner (ClamAV) said of a received message (docs/scanning.md).

    Attributes:
        engine (None | str): The scanner and its definitions' version.
        signature (None | str): The signature found, for `fail`.
        unscanned (list[str]): The parts left unscanned: `message` or `attachment N (name)`.
        verdict (ScanVerdict):
    """

    engine: None | str
    signature: None | str
    unscanned: list[str]
    verdict: ScanVerdict
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        engine: None | str
        engine = self.engine

        signature: None | str
        signature = self.signature

        unscanned = self.unscanned

        verdict: str = self.verdict

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "engine": engine,
                "signature": signature,
                "unscanned": unscanned,
                "verdict": verdict,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_engine(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        engine = _parse_engine(d.pop("engine"))

        def _parse_signature(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        signature = _parse_signature(d.pop("signature"))

        unscanned = cast(list[str], d.pop("unscanned"))

        verdict = check_scan_verdict(d.pop("verdict"))

        scan_out = cls(
            engine=engine,
            signature=signature,
            unscanned=unscanned,
            verdict=verdict,
        )

        scan_out.additional_properties = d
        return scan_out

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
