from typing import Literal

ScanVerdict = Literal["fail", "failed", "off", "pass", "unscanned"]

SCAN_VERDICT_VALUES: set[ScanVerdict] = {
    "fail",
    "failed",
    "off",
    "pass",
    "unscanned",
}


def check_scan_verdict(value: str) -> ScanVerdict:
    if value in SCAN_VERDICT_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SCAN_VERDICT_VALUES!r}"
    )
