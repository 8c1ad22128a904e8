"""Plays EventBridge: invokes a function with a Scheduled Event on a fixed rate."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.apigw import LambdaContext

Handler = Callable[[dict[str, Any], Any], Any]


def scheduled_event(rule: str, region: str = "us-east-1") -> dict[str, Any]:
    """The event an EventBridge schedule rule hands its target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:000000000000:rule/{rule}"],
        "detail": {},
    }


class Schedule:
    def __init__(
        self,
        rule: str,
        handler: Handler,
        function_name: str,
        seconds: float,
        *,
        region: str = "us-east-1",
    ) -> None:
        self.rule = rule
        self.handler = handler
        self.function_name = function_name
        self.seconds = seconds
        self.region = region
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"schedule-{rule}", daemon=True)

    def invoke(self) -> Any:
        event = scheduled_event(self.rule, self.region)
        return self.handler(event, LambdaContext(self.function_name))

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                self.invoke()
            except Exception as exc:
                print(f"  [{self.rule}] run failed: {exc!r}", flush=True)

    def start(self) -> Schedule:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
