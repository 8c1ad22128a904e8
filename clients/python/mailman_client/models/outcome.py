from typing import Literal

Outcome = Literal["delivered", "failed", "gone"]

OUTCOME_VALUES: set[Outcome] = {
    "delivered",
    "failed",
    "gone",
}


def check_outcome(value: str) -> Outcome:
    if value in OUTCOME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OUTCOME_VALUES!r}")
