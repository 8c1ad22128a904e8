"""Bodies of `routes/trash.py`."""

from __future__ import annotations

from pydantic import Field

from .common import Out


class EmptiedOut(Out):
    erased: int = Field(description="Messages erased by this request.")
    pending: int = Field(
        description="Messages marked for erasure that the scheduled worker erases within "
        "minutes (the answer is 202 when there are any)."
    )
