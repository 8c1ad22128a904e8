from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.webhook_attempt_out import WebhookAttemptOut
    from ..models.webhook_delivery_out import WebhookDeliveryOut


T = TypeVar("T", bound="WebhookTestOut")


@_attrs_define
class WebhookTestOut:
    """
    Attributes:
        attempt (None | WebhookAttemptOut): The attempt, if it came in time (200); null while it has not (202).
        delivery (WebhookDeliveryOut):
        event_id (UUID): The `webhook.test` event (the `webhook-id` header).
    """

    attempt: None | WebhookAttemptOut
    delivery: WebhookDeliveryOut
    event_id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.webhook_attempt_out import WebhookAttemptOut

        attempt: dict[str, Any] | None
        if isinstance(self.attempt, WebhookAttemptOut):
            attempt = self.attempt.to_dict()
        else:
            attempt = self.attempt

        delivery = self.delivery.to_dict()

        event_id = str(self.event_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt": attempt,
                "delivery": delivery,
                "event_id": event_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.webhook_attempt_out import WebhookAttemptOut
        from ..models.webhook_delivery_out import WebhookDeliveryOut

        d = dict(src_dict)

        def _parse_attempt(data: object) -> None | WebhookAttemptOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                attempt_type_0 = WebhookAttemptOut.from_dict(data)

                return attempt_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | WebhookAttemptOut, data)

        attempt = _parse_attempt(d.pop("attempt"))

        delivery = WebhookDeliveryOut.from_dict(d.pop("delivery"))

        event_id = UUID(d.pop("event_id"))

        webhook_test_out = cls(
            attempt=attempt,
            delivery=delivery,
            event_id=event_id,
        )

        webhook_test_out.additional_properties = d
        return webhook_test_out

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
