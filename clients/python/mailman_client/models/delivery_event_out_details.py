from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeliveryEventOutDetails")


@_attrs_define
class DeliveryEventOutDetails:
    """What the event says of the recipient; the fields of each type (those SES gave): send: none; delivery: smtp_response,
    reporting_mta, processing_time_millis; bounce: bounce_type, bounce_sub_type, action, smtp_status, diagnostic_code,
    reporting_mta; complaint: feedback_type, user_agent, arrival_date; delivery_delay: delay_type, expires_at,
    smtp_status, diagnostic_code, reporting_mta; reject: reason; rendering_failure: error_message, template_name; open:
    user_agent; click: link, user_agent.

    """

    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        delivery_event_out_details = cls()

        delivery_event_out_details.additional_properties = d
        return delivery_event_out_details

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
