from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.delivery_event_out_details import DeliveryEventOutDetails


T = TypeVar("T", bound="DeliveryEventOut")


@_attrs_define
class DeliveryEventOut:
    """
    Attributes:
        details (DeliveryEventOutDetails): What the event says of the recipient; the fields of each type (those SES
            gave): send: none; delivery: smtp_response, reporting_mta, processing_time_millis; bounce: bounce_type,
            bounce_sub_type, action, smtp_status, diagnostic_code, reporting_mta; complaint: feedback_type, user_agent,
            arrival_date; delivery_delay: delay_type, expires_at, smtp_status, diagnostic_code, reporting_mta; reject:
            reason; rendering_failure: error_message, template_name; open: user_agent; click: link, user_agent.
        id (UUID):
        occurred_at (datetime.datetime): When SES says it happened.
        recipient (str):
        type_ (str): send, delivery, bounce, complaint, reject, delivery_delay, rendering_failure, open or click.
    """

    details: DeliveryEventOutDetails
    id: UUID
    occurred_at: datetime.datetime
    recipient: str
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        details = self.details.to_dict()

        id = str(self.id)

        occurred_at = self.occurred_at.isoformat()

        recipient = self.recipient

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "details": details,
                "id": id,
                "occurred_at": occurred_at,
                "recipient": recipient,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.delivery_event_out_details import DeliveryEventOutDetails

        d = dict(src_dict)
        details = DeliveryEventOutDetails.from_dict(d.pop("details"))

        id = UUID(d.pop("id"))

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        recipient = d.pop("recipient")

        type_ = d.pop("type")

        delivery_event_out = cls(
            details=details,
            id=id,
            occurred_at=occurred_at,
            recipient=recipient,
            type_=type_,
        )

        delivery_event_out.additional_properties = d
        return delivery_event_out

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
