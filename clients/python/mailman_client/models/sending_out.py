from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.pause_figures_out import PauseFiguresOut


T = TypeVar("T", bound="SendingOut")


@_attrs_define
class SendingOut:
    """
    Attributes:
        figures (None | PauseFiguresOut):
        paused (bool): The reputation brake paused the domain's sending: sends are refused (409 sending_paused) and
            queued mail waits until POST /domains/{id}/resume-sending.
        paused_at (datetime.datetime | None):
        reason (None | str):
        resumed_at (datetime.datetime | None): The last resume: the brake reads only mail counted after it.
    """

    figures: None | PauseFiguresOut
    paused: bool
    paused_at: datetime.datetime | None
    reason: None | str
    resumed_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.pause_figures_out import PauseFiguresOut

        figures: dict[str, Any] | None
        if isinstance(self.figures, PauseFiguresOut):
            figures = self.figures.to_dict()
        else:
            figures = self.figures

        paused = self.paused

        paused_at: None | str
        if isinstance(self.paused_at, datetime.datetime):
            paused_at = self.paused_at.isoformat()
        else:
            paused_at = self.paused_at

        reason: None | str
        reason = self.reason

        resumed_at: None | str
        if isinstance(self.resumed_at, datetime.datetime):
            resumed_at = self.resumed_at.isoformat()
        else:
            resumed_at = self.resumed_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "figures": figures,
                "paused": paused,
                "paused_at": paused_at,
                "reason": reason,
                "resumed_at": resumed_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.pause_figures_out import PauseFiguresOut

        d = dict(src_dict)

        def _parse_figures(data: object) -> None | PauseFiguresOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                figures_type_0 = PauseFiguresOut.from_dict(data)

                return figures_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PauseFiguresOut, data)

        figures = _parse_figures(d.pop("figures"))

        paused = d.pop("paused")

        def _parse_paused_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                paused_at_type_0 = datetime.datetime.fromisoformat(data)

                return paused_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        paused_at = _parse_paused_at(d.pop("paused_at"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        def _parse_resumed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resumed_at_type_0 = datetime.datetime.fromisoformat(data)

                return resumed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        resumed_at = _parse_resumed_at(d.pop("resumed_at"))

        sending_out = cls(
            figures=figures,
            paused=paused,
            paused_at=paused_at,
            reason=reason,
            resumed_at=resumed_at,
        )

        sending_out.additional_properties = d
        return sending_out

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
