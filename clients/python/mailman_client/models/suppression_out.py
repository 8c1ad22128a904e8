from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.suppression_reason import SuppressionReason, check_suppression_reason

if TYPE_CHECKING:
    from ..models.suppression_out_details import SuppressionOutDetails


T = TypeVar("T", bound="SuppressionOut")


@_attrs_define
class SuppressionOut:
    """
    Attributes:
        address (str): Canonical: lower case, the domain in ASCII (IDNA).
        created_at (datetime.datetime): When the address was suppressed.
        details (SuppressionOutDetails): What the bounce or complaint said, or your `note`.
        reason (SuppressionReason):
        source_message_id (None | UUID): The message whose bounce or complaint suppressed the address.
    """

    address: str
    created_at: datetime.datetime
    details: SuppressionOutDetails
    reason: SuppressionReason
    source_message_id: None | UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        address = self.address

        created_at = self.created_at.isoformat()

        details = self.details.to_dict()

        reason: str = self.reason

        source_message_id: None | str
        if isinstance(self.source_message_id, UUID):
            source_message_id = str(self.source_message_id)
        else:
            source_message_id = self.source_message_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "address": address,
                "created_at": created_at,
                "details": details,
                "reason": reason,
                "source_message_id": source_message_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.suppression_out_details import SuppressionOutDetails

        d = dict(src_dict)
        address = d.pop("address")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        details = SuppressionOutDetails.from_dict(d.pop("details"))

        reason = check_suppression_reason(d.pop("reason"))

        def _parse_source_message_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                source_message_id_type_0 = UUID(data)

                return source_message_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        source_message_id = _parse_source_message_id(d.pop("source_message_id"))

        suppression_out = cls(
            address=address,
            created_at=created_at,
            details=details,
            reason=reason,
            source_message_id=source_message_id,
        )

        suppression_out.additional_properties = d
        return suppression_out

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
