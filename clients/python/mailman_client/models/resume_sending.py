from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ResumeSending")


@_attrs_define
class ResumeSending:
    """
    Attributes:
        reason (str): Why sending may resume (what was done about the bounces or complaints); kept in the
            `domain.sending_resumed` event.
    """

    reason: str

    def to_dict(self) -> dict[str, Any]:
        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        reason = d.pop("reason")

        resume_sending = cls(
            reason=reason,
        )

        return resume_sending
