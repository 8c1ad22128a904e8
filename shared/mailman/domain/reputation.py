"""Sending reputation: what a domain's or an inbox's mail came to over a window, its bounce
and complaint rates beside the levels at which SES reviews an account, and the brake that
pauses a domain's own sending before SES would pause the whole account.

The counts are kept per inbox and hour (`HourlyCounts`): each recipient is counted once for
each outcome it reaches, in the hour of the event. A window is a run of whole hours, named
by the first and the last hour it holds (`since`, `until`: the hours whose start lies
between them, both included), so the last 24 hours at 12:40 are the hours from 13:00
yesterday to 12:00 today.

The rates are SES's: the bounce rate counts hard (permanent) bounces only, as SES's does
(a soft bounce may yet be delivered), and both rates are out of the mail sent. A window in
which nothing was sent has no rate.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

HOUR = timedelta(hours=1)
MAX_REASON_LENGTH = 1000
"""Of the reason a caller gives for resuming a domain's sending."""


class Verdict(StrEnum):
    OK = "ok"
    WARNING = "warning"
    """SES would put the account under review."""
    AT_RISK = "at_risk"
    """SES may pause the account's sending."""


@dataclass(frozen=True)
class ReviewLevels:
    """SES's levels for one rate: a rate at or above `warning` puts the account under
    review, at or above `at_risk` SES may pause its sending."""

    warning: float
    at_risk: float

    def verdict(self, rate: float | None) -> Verdict:
        """The verdict on `rate` (None: nothing sent, nothing to judge)."""
        if rate is None or rate < self.warning:
            return Verdict.OK
        return Verdict.WARNING if rate < self.at_risk else Verdict.AT_RISK


SES_BOUNCE = ReviewLevels(warning=0.05, at_risk=0.10)
SES_COMPLAINT = ReviewLevels(warning=0.001, at_risk=0.005)


@dataclass(frozen=True)
class DeliveryCounts:
    """How many recipients reached each outcome (recipients, not messages)."""

    sent: int = 0
    delivered: int = 0
    hard_bounced: int = 0
    soft_bounced: int = 0
    complained: int = 0
    rejected: int = 0
    delayed: int = 0

    def __add__(self, other: DeliveryCounts) -> DeliveryCounts:
        return DeliveryCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def bounced(self) -> int:
        return self.hard_bounced + self.soft_bounced

    @property
    def bounce_rate(self) -> float | None:
        """Hard bounces out of the mail sent, as SES counts it; None when nothing was sent."""
        return self.hard_bounced / self.sent if self.sent else None

    @property
    def complaint_rate(self) -> float | None:
        return self.complained / self.sent if self.sent else None


KINDS: tuple[str, ...] = tuple(f.name for f in fields(DeliveryCounts))
"""The outcomes counted, as `delivery_counts` names its columns."""


@dataclass(frozen=True)
class HourlyCounts:
    """What one inbox's mail came to in one hour (`hour`: its start)."""

    organization_id: UUID
    domain_id: UUID
    inbox_id: UUID
    hour: datetime
    counts: DeliveryCounts


def hour_of(at: datetime) -> datetime:
    """The start of the hour `at` falls in."""
    return at.replace(minute=0, second=0, microsecond=0)


def first_hour_from(at: datetime) -> datetime:
    """The first hour that starts at or after `at`."""
    start = hour_of(at)
    return start if start == at else start + HOUR


def window_since(now: datetime, length: timedelta) -> datetime:
    """The first hour of the window of `length` that ends with the hour of `now`."""
    return hour_of(now) - length + HOUR


STATS_WINDOWS: dict[str, timedelta] = {
    "last_24h": timedelta(hours=24),
    "last_7d": timedelta(days=7),
    "last_30d": timedelta(days=30),
}


@dataclass(frozen=True)
class Rate:
    """A rate beside SES's levels for it, with the verdict."""

    value: float | None
    levels: ReviewLevels

    @property
    def verdict(self) -> Verdict:
        return self.levels.verdict(self.value)


@dataclass(frozen=True)
class WindowStats:
    since: datetime
    """The window's first hour."""
    until: datetime
    """When the figures were read (the window's last hour is the one this falls in)."""
    counts: DeliveryCounts

    @property
    def bounce_rate(self) -> Rate:
        return Rate(self.counts.bounce_rate, SES_BOUNCE)

    @property
    def complaint_rate(self) -> Rate:
        return Rate(self.counts.complaint_rate, SES_COMPLAINT)


@dataclass(frozen=True)
class BrakeSubject:
    """A domain as the brake reviews it: which, whose, its name, and its last resume."""

    domain_id: UUID
    organization_id: UUID
    name: str
    resumed_at: datetime | None


@dataclass(frozen=True)
class BrakeSettings:
    """When the brake pauses a domain: its bounce or complaint rate over the last `window`
    (begun no earlier than its last resume) reaches the threshold, with at least `min_sent`
    recipients sent in it.

    The defaults are SES's warning levels, half its at-risk ones: SES judges the whole
    account, so one domain at the level at which SES reviews the account already puts every
    other domain's mail in danger, and pausing there leaves a margin before the level at
    which SES may pause the account. The 24 hours and 100 recipients keep a handful of
    early bounces of a small sender from pausing it on noise, while a burst to a bad list
    trips the brake the day it happens. A rate trips only on at least `min_events` hard
    bounces (or complaints) in the window: with 100 to 999 recipients sent, a single
    complaint is already 0.1%, and one unhappy recipient is no pattern."""

    bounce_rate: float = SES_BOUNCE.warning
    complaint_rate: float = SES_COMPLAINT.warning
    window: timedelta = timedelta(hours=24)
    min_sent: int = 100
    min_events: int = 3


class BrakeFigures(BaseModel):
    """What tripped the brake: the window read, its counts and rates, the thresholds, and
    which rates (`bounce`, `complaint`) reached theirs. Its validator is built when the
    brake first trips, not by every function that imports the settings."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    since: datetime
    until: datetime
    sent: int
    hard_bounced: int
    complained: int
    bounce_rate: float
    complaint_rate: float
    bounce_threshold: float
    complaint_threshold: float
    min_sent: int
    tripped: tuple[str, ...]


def brake_since(now: datetime, settings: BrakeSettings, resumed_at: datetime | None) -> datetime:
    """The first hour the brake reads: the window's, or the first whole hour after the last
    resume, whichever is later (the hour of the resume held the mail that tripped it)."""
    since = window_since(now, settings.window)
    return since if resumed_at is None else max(since, first_hour_from(resumed_at))


def assess(window: WindowStats, settings: BrakeSettings) -> BrakeFigures | None:
    """The figures to pause on, when the window's rates reach a threshold on enough mail
    and enough events (`BrakeSettings.min_events`); None when the domain may go on
    sending."""
    counts = window.counts
    if counts.sent < settings.min_sent:
        return None
    bounce, complaint = counts.bounce_rate or 0.0, counts.complaint_rate or 0.0
    tripped = tuple(
        name
        for name, rate, threshold, events in (
            ("bounce", bounce, settings.bounce_rate, counts.hard_bounced),
            ("complaint", complaint, settings.complaint_rate, counts.complained),
        )
        if rate >= threshold and events >= settings.min_events
    )
    if not tripped:
        return None
    return BrakeFigures(
        since=window.since,
        until=window.until,
        sent=counts.sent,
        hard_bounced=counts.hard_bounced,
        complained=counts.complained,
        bounce_rate=bounce,
        complaint_rate=complaint,
        bounce_threshold=settings.bounce_rate,
        complaint_threshold=settings.complaint_rate,
        min_sent=settings.min_sent,
        tripped=tripped,
    )


def pause_reason(figures: BrakeFigures) -> str:
    """Why the brake paused the domain, in a sentence, with the figures."""
    parts = []
    if "bounce" in figures.tripped:
        parts.append(
            f"bounce rate {figures.bounce_rate:.2%} (hard bounces: {figures.hard_bounced}) "
            f"reached the threshold {figures.bounce_threshold:.2%}"
        )
    if "complaint" in figures.tripped:
        parts.append(
            f"complaint rate {figures.complaint_rate:.2%} (complaints: {figures.complained}) "
            f"reached the threshold {figures.complaint_threshold:.2%}"
        )
    return (
        f"{' and '.join(parts)}, of {figures.sent} recipients sent since "
        f"{figures.since.isoformat()}"
    )
