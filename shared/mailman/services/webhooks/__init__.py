"""Webhooks: the endpoints a caller keeps (`endpoints`), their delivery logs (`log`), the
deliveries the event log fans out to them, queued when due (`publish_due`, `sweep`), the
dispatcher's attempts (`attempt`, `dispatch_batch`) and the recording of what they report
(`record_reports`).

Each name is imported from its module when first used, so the dispatcher, which runs
outside the VPC, loads the attempt alone and the recorder nothing of the API's. The API's
routes name `endpoints` and `log` by module: each is loaded when a route first calls it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailman.lazy import exports

if TYPE_CHECKING:
    from mailman.services.webhooks.dispatch import attempt, dispatch_batch
    from mailman.services.webhooks.record import Recorded, ReportOutcome, record_reports
    from mailman.services.webhooks.relay import publish_due
    from mailman.services.webhooks.sweeping import Swept, sweep

_MODULES = {
    "Recorded": "record",
    "ReportOutcome": "record",
    "Swept": "sweeping",
    "attempt": "dispatch",
    "dispatch_batch": "dispatch",
    "publish_due": "relay",
    "record_reports": "record",
    "sweep": "sweeping",
}

__getattr__ = exports(__name__, _MODULES, stand_ins={"endpoints", "log"})

__all__ = [
    "Recorded",
    "ReportOutcome",
    "Swept",
    "attempt",
    "dispatch_batch",
    "publish_due",
    "record_reports",
    "sweep",
]
