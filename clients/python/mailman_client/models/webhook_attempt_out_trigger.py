from typing import Literal

WebhookAttemptOutTrigger = Literal["automatic", "manual", "test"]

WEBHOOK_ATTEMPT_OUT_TRIGGER_VALUES: set[WebhookAttemptOutTrigger] = {
    "automatic",
    "manual",
    "test",
}


def check_webhook_attempt_out_trigger(value: str) -> WebhookAttemptOutTrigger:
    if value in WEBHOOK_ATTEMPT_OUT_TRIGGER_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {WEBHOOK_ATTEMPT_OUT_TRIGGER_VALUES!r}"
    )
