"""`FixedClock`: the `Clock` port standing still until a test moves it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> datetime:
        """Move the clock on by `by`; answer the new time."""
        self.at += by
        return self.at


if TYPE_CHECKING:
    from mailman.ports import Clock

    _conforms: type[Clock] = FixedClock
