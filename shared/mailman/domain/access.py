"""What a credential may do: the scope catalogue that API keys and tokens share, and the
caller a request acts as (its organisation, its scopes, the inboxes it is bound to).

Every private route needs one scope (`Scope`); a credential without it is refused with 403
naming it. A credential bound to inboxes reaches only what belongs to them: its lists
hold nothing else, another inbox's thread, message or draft is not found, and the routes
that act on the organisation as a whole (its domains, keys and suppressions, a new inbox)
refuse it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal
from uuid import UUID

from mailman.domain.errors import ValidationError


class Scope(StrEnum):
    """One catalogue for API keys and tokens. No scope implies another: a credential that
    should read and send holds both."""

    MESSAGES_READ = "messages:read"
    """Threads, messages, their raw source, attachments and delivery."""
    MESSAGES_SEND = "messages:send"
    """Send, reply, forward; cancel and reschedule what was sent; upload attachments."""
    MESSAGES_WRITE = "messages:write"
    """Change the mailbox: move mail to trash and restore it."""
    MESSAGES_ERASE = "messages:erase"
    """Erase mail in trash for good (`DELETE /messages/{id}?permanent=true`, emptying the
    trash): kept apart from `messages:write` because nothing brings erased mail back."""
    DRAFTS_READ = "drafts:read"
    DRAFTS_WRITE = "drafts:write"
    INBOXES_READ = "inboxes:read"
    INBOXES_WRITE = "inboxes:write"
    DOMAINS_READ = "domains:read"
    DOMAINS_WRITE = "domains:write"
    WEBHOOKS_READ = "webhooks:read"
    WEBHOOKS_WRITE = "webhooks:write"
    SUPPRESSIONS_READ = "suppressions:read"
    SUPPRESSIONS_WRITE = "suppressions:write"
    EVENTS_READ = "events:read"
    KEYS_ADMIN = "keys:admin"
    """API keys and the token signing keys: whoever holds it can mint any access."""


ALL_SCOPES = frozenset(Scope)
MAX_BOUND_INBOXES = 100
"""The most inboxes one credential may be bound to."""

CredentialKind = Literal["api_key", "token"]


@dataclass(frozen=True)
class Caller:
    """Who a request acts as.

    `key_id` is the API key's id, or for a token the id of the registered key that signed
    it; `subject` is a token's `sub`. `scopes` None: every scope (API keys made before
    scopes existed, and keys made without them); `inbox_ids` None: every inbox.
    """

    organization_id: UUID
    credential: CredentialKind
    key_id: UUID
    subject: str | None = None
    scopes: frozenset[Scope] | None = None
    inbox_ids: frozenset[UUID] | None = None

    @property
    def bound(self) -> bool:
        """Whether the caller reaches only some inboxes."""
        return self.inbox_ids is not None

    def allows(self, scope: Scope) -> bool:
        return self.scopes is None or scope in self.scopes

    def reaches(self, inbox_id: UUID) -> bool:
        return self.inbox_ids is None or inbox_id in self.inbox_ids

    def actor(self) -> dict[str, str]:
        """What the event log records of the caller (`events.actor`)."""
        found = {"credential": self.credential, "key_id": str(self.key_id)}
        if self.subject is not None:
            found["subject"] = self.subject
        return found


def checked_scopes(given: Collection[str] | None) -> frozenset[Scope] | None:
    """The scopes a credential is asked for: None (not given) is every scope; otherwise at
    least one, each of the catalogue (ValidationError naming `scopes`)."""
    if given is None:
        return None
    if not given:
        raise ValidationError(
            "name at least one scope, or leave scopes out for every scope", field="scopes"
        )
    known = {s.value: s for s in Scope}
    unknown = sorted({g for g in given if g not in known})
    if unknown:
        raise ValidationError(
            f"unknown scope {', '.join(unknown)}: the scopes are {', '.join(sorted(known))}",
            field="scopes",
        )
    return frozenset(known[g] for g in given)


def checked_binding(given: Collection[UUID] | None) -> frozenset[UUID] | None:
    """The inboxes a credential is asked to be bound to: None (not given) is every inbox;
    otherwise 1 to `MAX_BOUND_INBOXES` (ValidationError naming `inbox_ids`). Whether they
    are the organisation's live inboxes is for the caller to check."""
    if given is None:
        return None
    chosen = frozenset(given)
    if not 1 <= len(chosen) <= MAX_BOUND_INBOXES:
        raise ValidationError(
            f"name 1 to {MAX_BOUND_INBOXES} inboxes, or leave inbox_ids out for every inbox",
            field="inbox_ids",
        )
    return chosen
