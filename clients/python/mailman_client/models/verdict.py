from typing import Literal

Verdict = Literal["at_risk", "ok", "warning"]

VERDICT_VALUES: set[Verdict] = {
    "at_risk",
    "ok",
    "warning",
}


def check_verdict(value: str) -> Verdict:
    if value in VERDICT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {VERDICT_VALUES!r}")
