from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateApiKey")


@_attrs_define
class CreateApiKey:
    """
    Attributes:
        name (str):
        expires_at (datetime.datetime | None | Unset):
        inbox_ids (list[UUID] | None | Unset): Bind the key to these live inboxes of the organisation (at least one; an
            unknown one is refused, 400): it reaches nothing of any other inbox, and the operations that act on the whole
            organisation refuse it (403). Unset: every inbox.
        rate_limit_per_minute (int | None | Unset): Requests a minute for this key; at most its organisation's limit
            over all its keys (600 unless the operator set another), a larger value is refused (400). Unset: the
            deployment's default (100).
        scopes (list[str] | None | Unset): What the key may do, from the scope catalogue (at least one; an unknown one
            is refused, 400). Unset: every scope.
    """

    name: str
    expires_at: datetime.datetime | None | Unset = UNSET
    inbox_ids: list[UUID] | None | Unset = UNSET
    rate_limit_per_minute: int | None | Unset = UNSET
    scopes: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        inbox_ids: list[str] | None | Unset
        if isinstance(self.inbox_ids, Unset):
            inbox_ids = UNSET
        elif isinstance(self.inbox_ids, list):
            inbox_ids = []
            for inbox_ids_type_0_item_data in self.inbox_ids:
                inbox_ids_type_0_item = str(inbox_ids_type_0_item_data)
                inbox_ids.append(inbox_ids_type_0_item)

        else:
            inbox_ids = self.inbox_ids

        rate_limit_per_minute: int | None | Unset
        if isinstance(self.rate_limit_per_minute, Unset):
            rate_limit_per_minute = UNSET
        else:
            rate_limit_per_minute = self.rate_limit_per_minute

        scopes: list[str] | None | Unset
        if isinstance(self.scopes, Unset):
            scopes = UNSET
        elif isinstance(self.scopes, list):
            scopes = self.scopes

        else:
            scopes = self.scopes

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if inbox_ids is not UNSET:
            field_dict["inbox_ids"] = inbox_ids
        if rate_limit_per_minute is not UNSET:
            field_dict["rate_limit_per_minute"] = rate_limit_per_minute
        if scopes is not UNSET:
            field_dict["scopes"] = scopes

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        def _parse_inbox_ids(data: object) -> list[UUID] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
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
            return cast(list[UUID] | None | Unset, data)

        inbox_ids = _parse_inbox_ids(d.pop("inbox_ids", UNSET))

        def _parse_rate_limit_per_minute(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rate_limit_per_minute = _parse_rate_limit_per_minute(
            d.pop("rate_limit_per_minute", UNSET)
        )

        def _parse_scopes(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                scopes_type_0 = cast(list[str], data)

                return scopes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        scopes = _parse_scopes(d.pop("scopes", UNSET))

        create_api_key = cls(
            name=name,
            expires_at=expires_at,
            inbox_ids=inbox_ids,
            rate_limit_per_minute=rate_limit_per_minute,
            scopes=scopes,
        )

        return create_api_key
