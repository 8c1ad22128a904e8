from typing import Literal

DeliveryFilter = Literal[
    "bounced",
    "complained",
    "delayed",
    "delivered",
    "failed",
    "partially_delivered",
    "rejected",
    "sent",
    "suppressed",
]

DELIVERY_FILTER_VALUES: set[DeliveryFilter] = {
    "bounced",
    "complained",
    "delayed",
    "delivered",
    "failed",
    "partially_delivered",
    "rejected",
    "sent",
    "suppressed",
}


def check_delivery_filter(value: str) -> DeliveryFilter:
    if value in DELIVERY_FILTER_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {DELIVERY_FILTER_VALUES!r}"
    )
