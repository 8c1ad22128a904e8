from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.record_purpose import RecordPurpose, check_record_purpose
from ..models.record_status import RecordStatus, check_record_status

T = TypeVar("T", bound="RecordOut")


@_attrs_define
class RecordOut:
    """
    Attributes:
        checked_at (datetime.datetime | None):
        description (str):
        detail (None | str):
        found (list[str]): What the last lookup found at this name.
        name (str):
        priority (int | None):
        purpose (RecordPurpose):
        status (RecordStatus):
        type_ (str):
        value (str):
    """

    checked_at: datetime.datetime | None
    description: str
    detail: None | str
    found: list[str]
    name: str
    priority: int | None
    purpose: RecordPurpose
    status: RecordStatus
    type_: str
    value: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        checked_at: None | str
        if isinstance(self.checked_at, datetime.datetime):
            checked_at = self.checked_at.isoformat()
        else:
            checked_at = self.checked_at

        description = self.description

        detail: None | str
        detail = self.detail

        found = self.found

        name = self.name

        priority: int | None
        priority = self.priority

        purpose: str = self.purpose

        status: str = self.status

        type_ = self.type_

        value = self.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "checked_at": checked_at,
                "description": description,
                "detail": detail,
                "found": found,
                "name": name,
                "priority": priority,
                "purpose": purpose,
                "status": status,
                "type": type_,
                "value": value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_checked_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                checked_at_type_0 = datetime.datetime.fromisoformat(data)

                return checked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        checked_at = _parse_checked_at(d.pop("checked_at"))

        description = d.pop("description")

        def _parse_detail(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        detail = _parse_detail(d.pop("detail"))

        found = cast(list[str], d.pop("found"))

        name = d.pop("name")

        def _parse_priority(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        priority = _parse_priority(d.pop("priority"))

        purpose = check_record_purpose(d.pop("purpose"))

        status = check_record_status(d.pop("status"))

        type_ = d.pop("type")

        value = d.pop("value")

        record_out = cls(
            checked_at=checked_at,
            description=description,
            detail=detail,
            found=found,
            name=name,
            priority=priority,
            purpose=purpose,
            status=status,
            type_=type_,
            value=value,
        )

        record_out.additional_properties = d
        return record_out

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
