from typing import Literal

RecordPurpose = Literal[
    "dkim", "dmarc", "mail_from_mx", "mail_from_spf", "ownership", "receiving_mx"
]

RECORD_PURPOSE_VALUES: set[RecordPurpose] = {
    "dkim",
    "dmarc",
    "mail_from_mx",
    "mail_from_spf",
    "ownership",
    "receiving_mx",
}


def check_record_purpose(value: str) -> RecordPurpose:
    if value in RECORD_PURPOSE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {RECORD_PURPOSE_VALUES!r}"
    )
