from typing import Literal

SuppressionInReason = Literal["manual", "unsubscribe"]

SUPPRESSION_IN_REASON_VALUES: set[SuppressionInReason] = {
    "manual",
    "unsubscribe",
}


def check_suppression_in_reason(value: str) -> SuppressionInReason:
    if value in SUPPRESSION_IN_REASON_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SUPPRESSION_IN_REASON_VALUES!r}"
    )
