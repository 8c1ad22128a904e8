from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="BounceOut")


@_attrs_define
class BounceOut:
    """What SES's bounce said of the recipient.

    Attributes:
        diagnostic_code (None | str): The receiving server's reply.
        smtp_status (None | str): The enhanced status code, e.g. 5.1.1.
        sub_type (None | str): SES's bounce sub-type, e.g. General, NoEmail.
        type_ (None | str): Permanent, Transient or Undetermined.
    """

    diagnostic_code: None | str
    smtp_status: None | str
    sub_type: None | str
    type_: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        diagnostic_code: None | str
        diagnostic_code = self.diagnostic_code

        smtp_status: None | str
        smtp_status = self.smtp_status

        sub_type: None | str
        sub_type = self.sub_type

        type_: None | str
        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "diagnostic_code": diagnostic_code,
                "smtp_status": smtp_status,
                "sub_type": sub_type,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_diagnostic_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        diagnostic_code = _parse_diagnostic_code(d.pop("diagnostic_code"))

        def _parse_smtp_status(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        smtp_status = _parse_smtp_status(d.pop("smtp_status"))

        def _parse_sub_type(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sub_type = _parse_sub_type(d.pop("sub_type"))

        def _parse_type_(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        type_ = _parse_type_(d.pop("type"))

        bounce_out = cls(
            diagnostic_code=diagnostic_code,
            smtp_status=smtp_status,
            sub_type=sub_type,
            type_=type_,
        )

        bounce_out.additional_properties = d
        return bounce_out

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
