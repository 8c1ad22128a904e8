from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateDomain")


@_attrs_define
class CreateDomain:
    """
    Attributes:
        name (str):
        bounce_address (None | str | Unset):
        from_name (None | str | Unset):
        list_unsubscribe (None | str | Unset): List-Unsubscribe of the domain's mail: an https URL (one-click, RFC 8058)
            or a mailto: URI. A send may give its own, or "" for none.
        reply_to (None | str | Unset):
    """

    name: str
    bounce_address: None | str | Unset = UNSET
    from_name: None | str | Unset = UNSET
    list_unsubscribe: None | str | Unset = UNSET
    reply_to: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        bounce_address: None | str | Unset
        if isinstance(self.bounce_address, Unset):
            bounce_address = UNSET
        else:
            bounce_address = self.bounce_address

        from_name: None | str | Unset
        if isinstance(self.from_name, Unset):
            from_name = UNSET
        else:
            from_name = self.from_name

        list_unsubscribe: None | str | Unset
        if isinstance(self.list_unsubscribe, Unset):
            list_unsubscribe = UNSET
        else:
            list_unsubscribe = self.list_unsubscribe

        reply_to: None | str | Unset
        if isinstance(self.reply_to, Unset):
            reply_to = UNSET
        else:
            reply_to = self.reply_to

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if bounce_address is not UNSET:
            field_dict["bounce_address"] = bounce_address
        if from_name is not UNSET:
            field_dict["from_name"] = from_name
        if list_unsubscribe is not UNSET:
            field_dict["list_unsubscribe"] = list_unsubscribe
        if reply_to is not UNSET:
            field_dict["reply_to"] = reply_to

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        def _parse_bounce_address(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        bounce_address = _parse_bounce_address(d.pop("bounce_address", UNSET))

        def _parse_from_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        from_name = _parse_from_name(d.pop("from_name", UNSET))

        def _parse_list_unsubscribe(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        list_unsubscribe = _parse_list_unsubscribe(d.pop("list_unsubscribe", UNSET))

        def _parse_reply_to(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reply_to = _parse_reply_to(d.pop("reply_to", UNSET))

        create_domain = cls(
            name=name,
            bounce_address=bounce_address,
            from_name=from_name,
            list_unsubscribe=list_unsubscribe,
            reply_to=reply_to,
        )

        return create_domain
