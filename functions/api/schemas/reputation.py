"""Bodies of `routes/reputation.py`: delivery stats by window, and the resume of a domain's
sending."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import AliasPath, Field, StrictStr

from mailman.domain.reputation import MAX_REASON_LENGTH, Verdict

from .common import Out, Request


class ResumeSending(Request):
    reason: StrictStr = Field(
        min_length=1,
        max_length=MAX_REASON_LENGTH,
        description="Why sending may resume (what was done about the bounces or complaints); "
        "kept in the `domain.sending_resumed` event.",
        examples=["removed the purchased list that bounced"],
    )


class RateOut(Out):
    value: float | None = Field(description="A ratio (0.05 is 5%); null when nothing was sent.")
    warning: float = Field(
        validation_alias=AliasPath("levels", "warning"),
        description="SES puts the account under review at this rate.",
    )
    at_risk: float = Field(
        validation_alias=AliasPath("levels", "at_risk"),
        description="SES may pause the account's sending at this rate.",
    )
    verdict: Verdict


def _count(name: str, description: str) -> Any:
    """A count of the window's, read from its `counts`."""
    return Field(validation_alias=AliasPath("counts", name), description=description)


class WindowOut(Out):
    since: datetime = Field(description="The start of the window's first hour.")
    until: datetime = Field(description="When the figures were read.")
    sent: int = _count("sent", "Recipients SES accepted mail for.")
    delivered: int = _count("delivered", "Recipients whose server accepted the mail.")
    bounced: int = _count("bounced", "Hard and soft bounces.")
    hard_bounced: int = _count("hard_bounced", "Permanent bounces: what the bounce rate counts.")
    soft_bounced: int = _count("soft_bounced", "Transient or undetermined bounces.")
    complained: int = _count("complained", "Recipients who reported the mail as spam.")
    rejected: int = _count("rejected", "Mail SES refused to send (a virus, say).")
    delayed: int = _count("delayed", "Recipients whose delivery was delayed (a note).")
    bounce_rate: RateOut = Field(description="Hard bounces out of the recipients sent.")
    complaint_rate: RateOut = Field(description="Complaints out of the recipients sent.")


class StatsOut(Out):
    last_24h: WindowOut
    last_7d: WindowOut
    last_30d: WindowOut


class DomainStatsOut(StatsOut):
    domain_id: UUID


class InboxStatsOut(StatsOut):
    inbox_id: UUID
