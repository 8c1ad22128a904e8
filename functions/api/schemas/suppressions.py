"""Bodies of `routes/suppressions.py`: addresses to suppress or to take off the list, the
entries, and a batch's per-item results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StrictStr

from mailman.domain.errors import ValidationError
from mailman.domain.names import MAX_ADDRESS_OCTETS
from mailman.domain.suppressions import MAX_BATCH, MAX_NOTE_LENGTH, SuppressionReason
from mailman.services.suppressions import ItemResult, SuppressionOutcome

from .common import Body, Out, Request

AddressIn = Annotated[
    StrictStr,
    Field(min_length=1, max_length=MAX_ADDRESS_OCTETS, examples=["jane@customer.example"]),
]
"""One bare address (no display name); its case and a Unicode domain do not matter."""


class SuppressionIn(Request):
    address: AddressIn
    reason: Literal["manual", "unsubscribe"] = Field(
        default="manual",
        description="Why you suppress it; bounces and complaints are added as SES reports them.",
    )
    note: StrictStr | None = Field(
        default=None,
        max_length=MAX_NOTE_LENGTH,
        description="Your own words on why, kept in the entry's details.",
    )


class AddSuppressionsIn(Request):
    """One address (`address`, `reason`, `note`), or up to 1,000 (`suppressions`)."""

    address: AddressIn | None = None
    reason: Literal["manual", "unsubscribe"] | None = Field(
        default=None, description="With `address`: why (default `manual`)."
    )
    note: StrictStr | None = Field(default=None, max_length=MAX_NOTE_LENGTH)
    suppressions: list[SuppressionIn] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_BATCH,
        description=f"Up to {MAX_BATCH:,} addresses at once, each with its result.",
    )

    def items(self) -> list[SuppressionIn]:
        """The addresses asked for (one alone as a batch of one); ValidationError naming the
        field when the body is neither form."""
        if self.suppressions is None:
            if self.address is None:
                raise ValidationError("give address, or suppressions", field="address")
            return [
                SuppressionIn(address=self.address, reason=self.reason or "manual", note=self.note)
            ]
        for name in ("address", "reason", "note"):
            if name in self.model_fields_set:
                raise ValidationError(
                    f"give suppressions alone: {name} goes with each of them", field=name
                )
        return self.suppressions


class RemoveSuppressionsIn(Request):
    addresses: list[AddressIn] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=f"Up to {MAX_BATCH:,} addresses to take off the list.",
    )


class SuppressionOut(Out):
    address: str = Field(description="Canonical: lower case, the domain in ASCII (IDNA).")
    reason: SuppressionReason = Field(
        description="`bounce` (a hard bounce), `soft_bounce` (repeated soft bounces), "
        "`complaint`, `manual` or `unsubscribe`."
    )
    source_message_id: UUID | None = Field(
        description="The message whose bounce or complaint suppressed the address."
    )
    details: dict[str, Any] = Field(
        description="What the bounce or complaint said, or your `note`."
    )
    created_at: datetime = Field(description="When the address was suppressed.")


class ItemErrorOut(Body):
    type: str
    message: str
    field: str | None


class ItemResultOut(Body):
    address: str = Field(description="Canonical when valid, else as given.")
    result: SuppressionOutcome
    error: ItemErrorOut | None = Field(default=None, description="Why an item is invalid.")

    @classmethod
    def of(cls, item: ItemResult) -> ItemResultOut:
        error = item.error
        return cls(
            address=item.address,
            result=item.outcome,
            error=ItemErrorOut(type=error.type, message=error.message, field=error.field)
            if error is not None
            else None,
        )


class ItemResultsOut(Body):
    results: list[ItemResultOut] = Field(description="One per item asked for, in order.")
