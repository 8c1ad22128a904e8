from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PauseFiguresOut")


@_attrs_define
class PauseFiguresOut:
    """
    Attributes:
        bounce_rate (float):
        bounce_threshold (float):
        complained (int):
        complaint_rate (float):
        complaint_threshold (float):
        hard_bounced (int):
        min_sent (int):
        sent (int):
        since (datetime.datetime): The start of the first hour the brake read.
        tripped (list[str]): The rates that reached their threshold.
        until (datetime.datetime):
    """

    bounce_rate: float
    bounce_threshold: float
    complained: int
    complaint_rate: float
    complaint_threshold: float
    hard_bounced: int
    min_sent: int
    sent: int
    since: datetime.datetime
    tripped: list[str]
    until: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bounce_rate = self.bounce_rate

        bounce_threshold = self.bounce_threshold

        complained = self.complained

        complaint_rate = self.complaint_rate

        complaint_threshold = self.complaint_threshold

        hard_bounced = self.hard_bounced

        min_sent = self.min_sent

        sent = self.sent

        since = self.since.isoformat()

        tripped = self.tripped

        until = self.until.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bounce_rate": bounce_rate,
                "bounce_threshold": bounce_threshold,
                "complained": complained,
                "complaint_rate": complaint_rate,
                "complaint_threshold": complaint_threshold,
                "hard_bounced": hard_bounced,
                "min_sent": min_sent,
                "sent": sent,
                "since": since,
                "tripped": tripped,
                "until": until,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bounce_rate = d.pop("bounce_rate")

        bounce_threshold = d.pop("bounce_threshold")

        complained = d.pop("complained")

        complaint_rate = d.pop("complaint_rate")

        complaint_threshold = d.pop("complaint_threshold")

        hard_bounced = d.pop("hard_bounced")

        min_sent = d.pop("min_sent")

        sent = d.pop("sent")

        since = datetime.datetime.fromisoformat(d.pop("since"))

        tripped = cast(list[str], d.pop("tripped"))

        until = datetime.datetime.fromisoformat(d.pop("until"))

        pause_figures_out = cls(
            bounce_rate=bounce_rate,
            bounce_threshold=bounce_threshold,
            complained=complained,
            complaint_rate=complaint_rate,
            complaint_threshold=complaint_threshold,
            hard_bounced=hard_bounced,
            min_sent=min_sent,
            sent=sent,
            since=since,
            tripped=tripped,
            until=until,
        )

        pause_figures_out.additional_properties = d
        return pause_figures_out

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
