from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateInbox")


@_attrs_define
class CreateInbox:
    """
    Attributes:
        domain_id (UUID):
        local_part (str): At most 64 octets (RFC 5321).
        catch_all (bool | Unset): Also receive mail for addresses of the domain no inbox has. Default: False.
        display_name (None | str | Unset):
    """

    domain_id: UUID
    local_part: str
    catch_all: bool | Unset = False
    display_name: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        domain_id = str(self.domain_id)

        local_part = self.local_part

        catch_all = self.catch_all

        display_name: None | str | Unset
        if isinstance(self.display_name, Unset):
            display_name = UNSET
        else:
            display_name = self.display_name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "domain_id": domain_id,
                "local_part": local_part,
            }
        )
        if catch_all is not UNSET:
            field_dict["catch_all"] = catch_all
        if display_name is not UNSET:
            field_dict["display_name"] = display_name

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        domain_id = UUID(d.pop("domain_id"))

        local_part = d.pop("local_part")

        catch_all = d.pop("catch_all", UNSET)

        def _parse_display_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        display_name = _parse_display_name(d.pop("display_name", UNSET))

        create_inbox = cls(
            domain_id=domain_id,
            local_part=local_part,
            catch_all=catch_all,
            display_name=display_name,
        )

        return create_inbox
