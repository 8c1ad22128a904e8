from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.scope import Scope, check_scope

T = TypeVar("T", bound="CreatedApiKeyOut")


@_attrs_define
class CreatedApiKeyOut:
    """
    Attributes:
        created_at (datetime.datetime):
        expires_at (datetime.datetime | None):
        id (UUID):
        inbox_ids (list[UUID] | None): null: every inbox
        key (str): The key itself. Shown only in this response; store it now.
        last_used_at (datetime.datetime | None):
        name (str):
        prefix (str):
        rate_limit_per_minute (int | None):
        revoked_at (datetime.datetime | None):
        scopes (list[Scope] | None): null: every scope
    """

    created_at: datetime.datetime
    expires_at: datetime.datetime | None
    id: UUID
    inbox_ids: list[UUID] | None
    key: str
    last_used_at: datetime.datetime | None
    name: str
    prefix: str
    rate_limit_per_minute: int | None
    revoked_at: datetime.datetime | None
    scopes: list[Scope] | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        expires_at: None | str
        if isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        id = str(self.id)

        inbox_ids: list[str] | None
        if isinstance(self.inbox_ids, list):
            inbox_ids = []
            for inbox_ids_type_0_item_data in self.inbox_ids:
                inbox_ids_type_0_item = str(inbox_ids_type_0_item_data)
                inbox_ids.append(inbox_ids_type_0_item)

        else:
            inbox_ids = self.inbox_ids

        key = self.key

        last_used_at: None | str
        if isinstance(self.last_used_at, datetime.datetime):
            last_used_at = self.last_used_at.isoformat()
        else:
            last_used_at = self.last_used_at

        name = self.name

        prefix = self.prefix

        rate_limit_per_minute: int | None
        rate_limit_per_minute = self.rate_limit_per_minute

        revoked_at: None | str
        if isinstance(self.revoked_at, datetime.datetime):
            revoked_at = self.revoked_at.isoformat()
        else:
            revoked_at = self.revoked_at

        scopes: list[str] | None
        if isinstance(self.scopes, list):
            scopes = []
            for scopes_type_0_item_data in self.scopes:
                scopes_type_0_item: str = scopes_type_0_item_data
                scopes.append(scopes_type_0_item)

        else:
            scopes = self.scopes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "expires_at": expires_at,
                "id": id,
                "inbox_ids": inbox_ids,
                "key": key,
                "last_used_at": last_used_at,
                "name": name,
                "prefix": prefix,
                "rate_limit_per_minute": rate_limit_per_minute,
                "revoked_at": revoked_at,
                "scopes": scopes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        expires_at = _parse_expires_at(d.pop("expires_at"))

        id = UUID(d.pop("id"))

        def _parse_inbox_ids(data: object) -> list[UUID] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                inbox_ids_type_0 = []
                _inbox_ids_type_0 = data
                for inbox_ids_type_0_item_data in _inbox_ids_type_0:
                    inbox_ids_type_0_item = UUID(inbox_ids_type_0_item_data)

                    inbox_ids_type_0.append(inbox_ids_type_0_item)

                return inbox_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[UUID] | None, data)

        inbox_ids = _parse_inbox_ids(d.pop("inbox_ids"))

        key = d.pop("key")

        def _parse_last_used_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_used_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at"))

        name = d.pop("name")

        prefix = d.pop("prefix")

        def _parse_rate_limit_per_minute(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rate_limit_per_minute = _parse_rate_limit_per_minute(
            d.pop("rate_limit_per_minute")
        )

        def _parse_revoked_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revoked_at_type_0 = datetime.datetime.fromisoformat(data)

                return revoked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at"))

        def _parse_scopes(data: object) -> list[Scope] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                scopes_type_0 = []
                _scopes_type_0 = data
                for scopes_type_0_item_data in _scopes_type_0:
                    scopes_type_0_item = check_scope(scopes_type_0_item_data)

                    scopes_type_0.append(scopes_type_0_item)

                return scopes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Scope] | None, data)

        scopes = _parse_scopes(d.pop("scopes"))

        created_api_key_out = cls(
            created_at=created_at,
            expires_at=expires_at,
            id=id,
            inbox_ids=inbox_ids,
            key=key,
            last_used_at=last_used_at,
            name=name,
            prefix=prefix,
            rate_limit_per_minute=rate_limit_per_minute,
            revoked_at=revoked_at,
            scopes=scopes,
        )

        created_api_key_out.additional_properties = d
        return created_api_key_out

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
