from typing import Literal

AddSuppressionsInReasonType0 = Literal["manual", "unsubscribe"]

ADD_SUPPRESSIONS_IN_REASON_TYPE_0_VALUES: set[AddSuppressionsInReasonType0] = {
    "manual",
    "unsubscribe",
}


def check_add_suppressions_in_reason_type_0(value: str) -> AddSuppressionsInReasonType0:
    if value in ADD_SUPPRESSIONS_IN_REASON_TYPE_0_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {ADD_SUPPRESSIONS_IN_REASON_TYPE_0_VALUES!r}"
    )
