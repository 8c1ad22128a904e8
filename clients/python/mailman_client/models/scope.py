from typing import Literal

Scope = Literal[
    "domains:read",
    "domains:write",
    "drafts:read",
    "drafts:write",
    "events:read",
    "inboxes:read",
    "inboxes:write",
    "keys:admin",
    "messages:erase",
    "messages:read",
    "messages:send",
    "messages:write",
    "suppressions:read",
    "suppressions:write",
    "webhooks:read",
    "webhooks:write",
]

SCOPE_VALUES: set[Scope] = {
    "domains:read",
    "domains:write",
    "drafts:read",
    "drafts:write",
    "events:read",
    "inboxes:read",
    "inboxes:write",
    "keys:admin",
    "messages:erase",
    "messages:read",
    "messages:send",
    "messages:write",
    "suppressions:read",
    "suppressions:write",
    "webhooks:read",
    "webhooks:write",
}


def check_scope(value: str) -> Scope:
    if value in SCOPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SCOPE_VALUES!r}")
