"""What a credential may do: the scope catalogue that API keys and tokens share, and the
caller a request acts as (its organisation, its scopes, the inboxes it is bound to).

Every private route needs one scope (`Scope`); a credential without it is refused with 403
naming it. A credential bound to inboxes reaches only what belongs to them: its lists
hold nothing else, another inbox's thread, message or draft is not found, and the routes
that act on the organisation as a whole (its domains, keys and suppressions, a new inbox)
refuse it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal
from uuid import UUID


class Scope(StrEnum):
    """One catalogue for API keys and tokens. No scope implies another: a credential that
    should read and send holds both."""

    MESSAGES_READ = "messages:read"
    """Threads, messages, their raw source, attachments and delivery."""
    MESSAGES_SEND = "messages:send"
    """Send, reply, forward; cancel and reschedule what was sent; upload attachments."""
    MESSAGES_WRITE = "messages:write"
    """Change the mailbox: delete threads."""
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
