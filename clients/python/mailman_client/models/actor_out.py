from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.actor_out_credential import ActorOutCredential, check_actor_out_credential
from ..types import UNSET, Unset

T = TypeVar("T", bound="ActorOut")


@_attrs_define
class ActorOut:
    """The credential whose request appended an event.

    Attributes:
        credential (ActorOutCredential):
        key_id (UUID): The API key's id, or the id of the registered key that signed the token
        subject (None | str | Unset): The token's `sub`
    """

    credential: ActorOutCredential
    key_id: UUID
    subject: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        credential: str = self.credential

        key_id = str(self.key_id)

        subject: None | str | Unset
        if isinstance(self.subject, Unset):
            subject = UNSET
        else:
            subject = self.subject

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "credential": credential,
                "key_id": key_id,
            }
        )
        if subject is not UNSET:
            field_dict["subject"] = subject

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        credential = check_actor_out_credential(d.pop("credential"))

        key_id = UUID(d.pop("key_id"))

        def _parse_subject(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject = _parse_subject(d.pop("subject", UNSET))

        actor_out = cls(
            credential=credential,
            key_id=key_id,
            subject=subject,
        )

        actor_out.additional_properties = d
        return actor_out

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
