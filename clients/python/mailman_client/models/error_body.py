from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.error_body_type import ErrorBodyType, check_error_body_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.error_body_details import ErrorBodyDetails


T = TypeVar("T", bound="ErrorBody")


@_attrs_define
class ErrorBody:
    """
    Attributes:
        message (str): For people: what to change
        trace_id (str): As `X-Trace-Id`
        type_ (ErrorBodyType): What went wrong, by status: 400: validation_error; 401: unauthorized; 403:
            domain_not_verified, forbidden; 404: not_found; 405: method_not_allowed; 409: conflict, sending_paused,
            webhook_disabled; 413: attachment_too_large, payload_too_large; 415: unsupported_media_type; 422:
            recipients_suppressed; 429: rate_limited; 500: composition_failed, delivery_error, delivery_uncertain,
            internal_error, response_too_large, storage_error.
        details (ErrorBodyDetails | Unset): What a program may act on, where an error has it
        field (str | Unset): The field, parameter or header at fault, when one is
    """

    message: str
    trace_id: str
    type_: ErrorBodyType
    details: ErrorBodyDetails | Unset = UNSET
    field: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        message = self.message

        trace_id = self.trace_id

        type_: str = self.type_

        details: dict[str, Any] | Unset = UNSET
        if not isinstance(self.details, Unset):
            details = self.details.to_dict()

        field = self.field

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "message": message,
                "trace_id": trace_id,
                "type": type_,
            }
        )
        if details is not UNSET:
            field_dict["details"] = details
        if field is not UNSET:
            field_dict["field"] = field

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.error_body_details import ErrorBodyDetails

        d = dict(src_dict)
        message = d.pop("message")

        trace_id = d.pop("trace_id")

        type_ = check_error_body_type(d.pop("type"))

        _details = d.pop("details", UNSET)
        details: ErrorBodyDetails | Unset
        if isinstance(_details, Unset):
            details = UNSET
        else:
            details = ErrorBodyDetails.from_dict(_details)

        field = d.pop("field", UNSET)

        error_body = cls(
            message=message,
            trace_id=trace_id,
            type_=type_,
            details=details,
            field=field,
        )

        return error_body
