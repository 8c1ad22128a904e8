from typing import Literal

ReportFormat = Literal["dmarcbis", "rfc7489"]

REPORT_FORMAT_VALUES: set[ReportFormat] = {
    "dmarcbis",
    "rfc7489",
}


def check_report_format(value: str) -> ReportFormat:
    if value in REPORT_FORMAT_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {REPORT_FORMAT_VALUES!r}"
    )
