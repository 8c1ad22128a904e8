from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.event_type_out_example import EventTypeOutExample
    from ..models.event_type_out_payload_schema import EventTypeOutPayloadSchema


T = TypeVar("T", bound="EventTypeOut")


@_attrs_define
class EventTypeOut:
    """
    Attributes:
        description (str): When an event of the type is appended.
        example (EventTypeOutExample): An example payload (a webhook's `data`).
        name (str):
        payload_schema (EventTypeOutPayloadSchema): The payload's JSON Schema.
    """

    description: str
    example: EventTypeOutExample
    name: str
    payload_schema: EventTypeOutPayloadSchema
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        description = self.description

        example = self.example.to_dict()

        name = self.name

        payload_schema = self.payload_schema.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "description": description,
                "example": example,
                "name": name,
                "payload_schema": payload_schema,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.event_type_out_example import EventTypeOutExample
        from ..models.event_type_out_payload_schema import EventTypeOutPayloadSchema

        d = dict(src_dict)
        description = d.pop("description")

        example = EventTypeOutExample.from_dict(d.pop("example"))

        name = d.pop("name")

        payload_schema = EventTypeOutPayloadSchema.from_dict(d.pop("payload_schema"))

        event_type_out = cls(
            description=description,
            example=example,
            name=name,
            payload_schema=payload_schema,
        )

        event_type_out.additional_properties = d
        return event_type_out

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
