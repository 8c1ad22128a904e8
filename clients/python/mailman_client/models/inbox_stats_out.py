from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.window_out import WindowOut


T = TypeVar("T", bound="InboxStatsOut")


@_attrs_define
class InboxStatsOut:
    """
    Attributes:
        inbox_id (UUID):
        last_24h (WindowOut):
        last_30d (WindowOut):
        last_7d (WindowOut):
    """

    inbox_id: UUID
    last_24h: WindowOut
    last_30d: WindowOut
    last_7d: WindowOut
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        inbox_id = str(self.inbox_id)

        last_24h = self.last_24h.to_dict()

        last_30d = self.last_30d.to_dict()

        last_7d = self.last_7d.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "inbox_id": inbox_id,
                "last_24h": last_24h,
                "last_30d": last_30d,
                "last_7d": last_7d,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.window_out import WindowOut

        d = dict(src_dict)
        inbox_id = UUID(d.pop("inbox_id"))

        last_24h = WindowOut.from_dict(d.pop("last_24h"))

        last_30d = WindowOut.from_dict(d.pop("last_30d"))

        last_7d = WindowOut.from_dict(d.pop("last_7d"))

        inbox_stats_out = cls(
            inbox_id=inbox_id,
            last_24h=last_24h,
            last_30d=last_30d,
            last_7d=last_7d,
        )

        inbox_stats_out.additional_properties = d
        return inbox_stats_out

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
