from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.outcome import Outcome, check_outcome
from ..models.webhook_attempt_out_trigger import (
    WebhookAttemptOutTrigger,
    check_webhook_attempt_out_trigger,
)

T = TypeVar("T", bound="WebhookAttemptOut")


@_attrs_define
class WebhookAttemptOut:
    """
    Attributes:
        attempted_at (datetime.datetime):
        error (None | str): Why no answer came (timeout, TLS, refused).
        id (UUID):
        latency_ms (int):
        outcome (Outcome):
        response_body (str): The first 4 KB of the receiver's answer.
        status_code (int | None): null when no answer came.
        trigger (WebhookAttemptOutTrigger):
    """

    attempted_at: datetime.datetime
    error: None | str
    id: UUID
    latency_ms: int
    outcome: Outcome
    response_body: str
    status_code: int | None
    trigger: WebhookAttemptOutTrigger
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempted_at = self.attempted_at.isoformat()

        error: None | str
        error = self.error

        id = str(self.id)

        latency_ms = self.latency_ms

        outcome: str = self.outcome

        response_body = self.response_body

        status_code: int | None
        status_code = self.status_code

        trigger: str = self.trigger

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempted_at": attempted_at,
                "error": error,
                "id": id,
                "latency_ms": latency_ms,
                "outcome": outcome,
                "response_body": response_body,
                "status_code": status_code,
                "trigger": trigger,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        attempted_at = datetime.datetime.fromisoformat(d.pop("attempted_at"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        id = UUID(d.pop("id"))

        latency_ms = d.pop("latency_ms")

        outcome = check_outcome(d.pop("outcome"))

        response_body = d.pop("response_body")

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        trigger = check_webhook_attempt_out_trigger(d.pop("trigger"))

        webhook_attempt_out = cls(
            attempted_at=attempted_at,
            error=error,
            id=id,
            latency_ms=latency_ms,
            outcome=outcome,
            response_body=response_body,
            status_code=status_code,
            trigger=trigger,
        )

        webhook_attempt_out.additional_properties = d
        return webhook_attempt_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
