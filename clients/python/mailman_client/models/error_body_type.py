from typing import Literal

ErrorBodyType = Literal[
    "attachment_too_large",
    "composition_failed",
    "conflict",
    "delivery_error",
    "delivery_uncertain",
    "domain_not_verified",
    "forbidden",
    "internal_error",
    "method_not_allowed",
    "not_found",
    "payload_too_large",
    "rate_limited",
    "recipients_suppressed",
    "response_too_large",
    "sending_paused",
    "storage_error",
    "unauthorized",
    "unsupported_media_type",
    "validation_error",
    "webhook_disabled",
]

ERROR_BODY_TYPE_VALUES: set[ErrorBodyType] = {
    "attachment_too_large",
    "composition_failed",
    "conflict",
    "delivery_error",
    "delivery_uncertain",
    "domain_not_verified",
    "forbidden",
    "internal_error",
    "method_not_allowed",
    "not_found",
    "payload_too_large",
    "rate_limited",
    "recipients_suppressed",
    "response_too_large",
    "sending_paused",
    "storage_error",
    "unauthorized",
    "unsupported_media_type",
    "validation_error",
    "webhook_disabled",
}


def check_error_body_type(value: str) -> ErrorBodyType:
    if value in ERROR_BODY_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {ERROR_BODY_TYPE_VALUES!r}"
    )
