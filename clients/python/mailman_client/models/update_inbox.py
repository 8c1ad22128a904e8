from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateInbox")


@_attrs_define
class UpdateInbox:
    """
    Attributes:
        catch_all (bool | None | Unset):
        display_name (None | str | Unset):
        trash_retention_days (int | None | Unset): Days mail stays in trash before it is erased for good.
    """

    catch_all: bool | None | Unset = UNSET
    display_name: None | str | Unset = UNSET
    trash_retention_days: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        catch_all: bool | None | Unset
        if isinstance(self.catch_all, Unset):
            catch_all = UNSET
        else:
            catch_all = self.catch_all

        display_name: None | str | Unset
        if isinstance(self.display_name, Unset):
            display_name = UNSET
        else:
            display_name = self.display_name

        trash_retention_days: int | None | Unset
        if isinstance(self.trash_retention_days, Unset):
            trash_retention_days = UNSET
        else:
            trash_retention_days = self.trash_retention_days

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if catch_all is not UNSET:
            field_dict["catch_all"] = catch_all
        if display_name is not UNSET:
            field_dict["display_name"] = display_name
        if trash_retention_days is not UNSET:
            field_dict["trash_retention_days"] = trash_retention_days

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_catch_all(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        catch_all = _parse_catch_all(d.pop("catch_all", UNSET))

        def _parse_display_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        display_name = _parse_display_name(d.pop("display_name", UNSET))

        def _parse_trash_retention_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        trash_retention_days = _parse_trash_retention_days(
            d.pop("trash_retention_days", UNSET)
        )

        update_inbox = cls(
            catch_all=catch_all,
            display_name=display_name,
            trash_retention_days=trash_retention_days,
        )

        return update_inbox
