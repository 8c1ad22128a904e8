from typing import Literal

ActorOutCredential = Literal["api_key", "token"]

ACTOR_OUT_CREDENTIAL_VALUES: set[ActorOutCredential] = {
    "api_key",
    "token",
}


def check_actor_out_credential(value: str) -> ActorOutCredential:
    if value in ACTOR_OUT_CREDENTIAL_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {ACTOR_OUT_CREDENTIAL_VALUES!r}"
    )
