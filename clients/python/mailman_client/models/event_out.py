from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.actor_out import ActorOut
    from ..models.event_out_data import EventOutData


T = TypeVar("T", bound="EventOut")


@_attrs_define
class EventOut:
    """
    Attributes:
        actor (ActorOut | None): Who appended the event: null for what the platform did of itself (mail received,
            delivery reports, verification, retries)
        created_at (datetime.datetime):
        cursor (str):
        data (EventOutData):
        id (UUID):
        subject_id (None | UUID):
        type_ (str):
    """

    actor: ActorOut | None
    created_at: datetime.datetime
    cursor: str
    data: EventOutData
    id: UUID
    subject_id: None | UUID
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.actor_out import ActorOut

        actor: dict[str, Any] | None
        if isinstance(self.actor, ActorOut):
            actor = self.actor.to_dict()
        else:
            actor = self.actor

        created_at = self.created_at.isoformat()

        cursor = self.cursor

        data = self.data.to_dict()

        id = str(self.id)

        subject_id: None | str
        if isinstance(self.subject_id, UUID):
            subject_id = str(self.subject_id)
        else:
            subject_id = self.subject_id

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actor": actor,
                "created_at": created_at,
                "cursor": cursor,
                "data": data,
                "id": id,
                "subject_id": subject_id,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.actor_out import ActorOut
        from ..models.event_out_data import EventOutData

        d = dict(src_dict)

        def _parse_actor(data: object) -> ActorOut | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                actor_type_0 = ActorOut.from_dict(data)

                return actor_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ActorOut | None, data)

        actor = _parse_actor(d.pop("actor"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        cursor = d.pop("cursor")

        data = EventOutData.from_dict(d.pop("data"))

        id = UUID(d.pop("id"))

        def _parse_subject_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                subject_id_type_0 = UUID(data)

                return subject_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        subject_id = _parse_subject_id(d.pop("subject_id"))

        type_ = d.pop("type")

        event_out = cls(
            actor=actor,
            created_at=created_at,
            cursor=cursor,
            data=data,
            id=id,
            subject_id=subject_id,
            type_=type_,
        )

        event_out.additional_properties = d
        return event_out

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
