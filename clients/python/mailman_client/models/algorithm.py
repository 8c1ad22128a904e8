from typing import Literal

Algorithm = Literal["ES256", "RS256"]

ALGORITHM_VALUES: set[Algorithm] = {
    "ES256",
    "RS256",
}


def check_algorithm(value: str) -> Algorithm:
    if value in ALGORITHM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ALGORITHM_VALUES!r}")
