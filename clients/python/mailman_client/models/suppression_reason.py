from typing import Literal

SuppressionReason = Literal[
    "bounce", "complaint", "manual", "soft_bounce", "unsubscribe"
]

SUPPRESSION_REASON_VALUES: set[SuppressionReason] = {
    "bounce",
    "complaint",
    "manual",
    "soft_bounce",
    "unsubscribe",
}


def check_suppression_reason(value: str) -> SuppressionReason:
    if value in SUPPRESSION_REASON_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SUPPRESSION_REASON_VALUES!r}"
    )
