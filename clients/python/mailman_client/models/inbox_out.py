from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InboxOut")


@_attrs_define
class InboxOut:
    """
    Attributes:
        address (str):
        catch_all (bool):
        created_at (datetime.datetime):
        display_name (None | str):
        domain (str):
        domain_id (UUID):
        id (UUID):
        local_part (str):
        trash_retention_days (int): Days mail stays in trash before it is erased for good (default 30).
        updated_at (datetime.datetime):
    """

    address: str
    catch_all: bool
    created_at: datetime.datetime
    display_name: None | str
    domain: str
    domain_id: UUID
    id: UUID
    local_part: str
    trash_retention_days: int
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        address = self.address

        catch_all = self.catch_all

        created_at = self.created_at.isoformat()

        display_name: None | str
        display_name = self.display_name

        domain = self.domain

        domain_id = str(self.domain_id)

        id = str(self.id)

        local_part = self.local_part

        trash_retention_days = self.trash_retention_days

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "address": address,
                "catch_all": catch_all,
                "created_at": created_at,
                "display_name": display_name,
                "domain": domain,
                "domain_id": domain_id,
                "id": id,
                "local_part": local_part,
                "trash_retention_days": trash_retention_days,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        address = d.pop("address")

        catch_all = d.pop("catch_all")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_display_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        display_name = _parse_display_name(d.pop("display_name"))

        domain = d.pop("domain")

        domain_id = UUID(d.pop("domain_id"))

        id = UUID(d.pop("id"))

        local_part = d.pop("local_part")

        trash_retention_days = d.pop("trash_retention_days")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        inbox_out = cls(
            address=address,
            catch_all=catch_all,
            created_at=created_at,
            display_name=display_name,
            domain=domain,
            domain_id=domain_id,
            id=id,
            local_part=local_part,
            trash_retention_days=trash_retention_days,
            updated_at=updated_at,
        )

        inbox_out.additional_properties = d
        return inbox_out

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
