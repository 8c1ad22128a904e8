from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.rate_out import RateOut


T = TypeVar("T", bound="WindowOut")


@_attrs_define
class WindowOut:
    """
    Attributes:
        bounce_rate (RateOut):
        bounced (int): Hard and soft bounces.
        complained (int): Recipients who reported the mail as spam.
        complaint_rate (RateOut):
        delayed (int): Recipients whose delivery was delayed (a note).
        delivered (int): Recipients whose server accepted the mail.
        hard_bounced (int): Permanent bounces: what the bounce rate counts.
        rejected (int): Mail SES refused to send (a virus, say).
        sent (int): Recipients SES accepted mail for.
        since (datetime.datetime): The start of the window's first hour.
        soft_bounced (int): Transient or undetermined bounces.
        until (datetime.datetime): When the figures were read.
    """

    bounce_rate: RateOut
    bounced: int
    complained: int
    complaint_rate: RateOut
    delayed: int
    delivered: int
    hard_bounced: int
    rejected: int
    sent: int
    since: datetime.datetime
    soft_bounced: int
    until: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bounce_rate = self.bounce_rate.to_dict()

        bounced = self.bounced

        complained = self.complained

        complaint_rate = self.complaint_rate.to_dict()

        delayed = self.delayed

        delivered = self.delivered

        hard_bounced = self.hard_bounced

        rejected = self.rejected

        sent = self.sent

        since = self.since.isoformat()

        soft_bounced = self.soft_bounced

        until = self.until.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bounce_rate": bounce_rate,
                "bounced": bounced,
                "complained": complained,
                "complaint_rate": complaint_rate,
                "delayed": delayed,
                "delivered": delivered,
                "hard_bounced": hard_bounced,
                "rejected": rejected,
                "sent": sent,
                "since": since,
                "soft_bounced": soft_bounced,
                "until": until,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.rate_out import RateOut

        d = dict(src_dict)
        bounce_rate = RateOut.from_dict(d.pop("bounce_rate"))

        bounced = d.pop("bounced")

        complained = d.pop("complained")

        complaint_rate = RateOut.from_dict(d.pop("complaint_rate"))

        delayed = d.pop("delayed")

        delivered = d.pop("delivered")

        hard_bounced = d.pop("hard_bounced")

        rejected = d.pop("rejected")

        sent = d.pop("sent")

        since = datetime.datetime.fromisoformat(d.pop("since"))

        soft_bounced = d.pop("soft_bounced")

        until = datetime.datetime.fromisoformat(d.pop("until"))

        window_out = cls(
            bounce_rate=bounce_rate,
            bounced=bounced,
            complained=complained,
            complaint_rate=complaint_rate,
            delayed=delayed,
            delivered=delivered,
            hard_bounced=hard_bounced,
            rejected=rejected,
            sent=sent,
            since=since,
            soft_bounced=soft_bounced,
            until=until,
        )

        window_out.additional_properties = d
        return window_out

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
