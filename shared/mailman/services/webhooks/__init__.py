"""Webhooks: the endpoints a caller keeps, the deliveries the event log fans out to them, the
dispatcher's attempts and what they report."""

from mailman.services.webhooks.record import Recorded, ReportOutcome, record_reports
from mailman.services.webhooks.relay import publish_due
from mailman.services.webhooks.sweep import Swept, sweep

__all__ = ["Recorded", "ReportOutcome", "Swept", "publish_due", "record_reports", "sweep"]
