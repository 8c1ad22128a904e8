from typing import Literal

SuppressionOutcome = Literal[
    "added", "already_suppressed", "invalid", "not_suppressed", "removed"
]

SUPPRESSION_OUTCOME_VALUES: set[SuppressionOutcome] = {
    "added",
    "already_suppressed",
    "invalid",
    "not_suppressed",
    "removed",
}


def check_suppression_outcome(value: str) -> SuppressionOutcome:
    if value in SUPPRESSION_OUTCOME_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SUPPRESSION_OUTCOME_VALUES!r}"
    )
