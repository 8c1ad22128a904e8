"""Webhook endpoints as their organisation manages them: create, list, read, change, delete,
and rotate the signing secret.

An endpoint's URL must name a public HTTPS receiver: it is parsed (`parse_target`) and its
host resolved when it is saved, and any address that is not public refuses it (the local
platform's setting allows `http` and private receivers). The same check runs again at every
attempt, where it matters most; here it tells the caller at once.

The signing secret is made here, shown once (in the creation's and each rotation's answer)
and stored sealed (`SecretBox`): the database alone does not reveal it. During a rotation
the previous secret signs beside the new one until its grace period ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from mailman.domain.documents import check_storable
from mailman.domain.errors import Forbidden, NotFound, ValidationError
from mailman.domain.pagination import Page, PageRequest
from mailman.domain.webhook_endpoints import MAX_INBOXES, checked_description, checked_types
from mailman.domain.webhook_targets import IPAddress, Target, parse_target, refusals
from mailman.domain.webhooks import (
    DEFAULT_ROTATION_GRACE,
    MAX_ROTATION_GRACE,
    EndpointChanges,
    NewEndpoint,
    new_secret,
)
from mailman.ports import Clock, HostResolver, SecretBox, UnitOfWork, UnitOfWorkFactory

if TYPE_CHECKING:
    from mailman.domain.webhook_views import WebhookEndpoint


@dataclass(frozen=True)
class Receivers:
    """Where webhooks may go: the resolver that looks a receiver's host up, and whether
    `http` and private addresses are allowed (the local platform's receivers; never in a
    deployed stage)."""

    resolver: HostResolver
    allow_private: bool = False


@dataclass(frozen=True)
class EndpointRequest:
    """An endpoint a caller asks for."""

    url: str
    event_types: Sequence[str] = ()
    """Empty: every type."""
    inbox_ids: Sequence[UUID] = ()
    """Empty: every inbox."""
    description: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class EndpointWithSecret:
    """An endpoint and its signing secret in clear: the one answer that shows it."""

    endpoint: WebhookEndpoint
    secret: str


def checked_url(url: str, receivers: Receivers) -> str:
    """The receiver's URL, canonical (the host in IDNA, an address as written canonically),
    or ValidationError (field `url`): not `https`, no host, a host that does not resolve, or
    one that resolves to any address a webhook may not go to."""
    target = parse_target(check_storable(url, "url"), allow_insecure=receivers.allow_private)
    addresses = [target.address] if target.address is not None else _resolved(target, receivers)
    refused = refusals(addresses, allow_private=receivers.allow_private)
    if refused:
        _, reason = refused[0]
        raise ValidationError(
            f"url must name a public receiver: {target.host} is or resolves to an address "
            f"webhooks may not go to ({reason})",
            field="url",
        )
    return target.url


def _resolved(target: Target, receivers: Receivers) -> list[IPAddress]:
    try:
        return receivers.resolver.addresses(target.host, target.port)
    except OSError:
        raise ValidationError(f"url's host {target.host} does not resolve", field="url") from None


def _checked_inboxes(work: UnitOfWork, inbox_ids: Sequence[UUID]) -> tuple[UUID, ...]:
    """The organisation's inboxes named, each once; ValidationError naming any other (an
    inbox a bound caller does not reach is none of its own). A caller bound to inboxes
    names some (Forbidden otherwise): an endpoint for every inbox would receive the events
    of inboxes beyond its own."""
    unique = tuple(dict.fromkeys(inbox_ids))
    if not unique and work.caller is not None and work.caller.bound:
        raise Forbidden(
            "a credential bound to inboxes scopes its webhooks to them: name them in inbox_ids",
            field="inbox_ids",
        )
    if len(unique) > MAX_INBOXES:
        raise ValidationError(f"name at most {MAX_INBOXES} inboxes", field="inbox_ids")
    missing = [str(i) for i in unique if work.inboxes.get(i) is None]
    if missing:
        raise ValidationError(f"no such inbox: {', '.join(missing)}", field="inbox_ids")
    return unique


def _not_found() -> NotFound:
    return NotFound("no such webhook", field="webhook_id")


def create_endpoint(
    uow: UnitOfWorkFactory,
    box: SecretBox,
    receivers: Receivers,
    organization_id: UUID,
    request: EndpointRequest,
) -> EndpointWithSecret:
    """Add an endpoint with a new signing secret, answered this once."""
    url = checked_url(request.url, receivers)
    event_types = checked_types(request.event_types)
    description = checked_description(request.description)
    secret = new_secret()
    sealed = box.seal(secret)
    with uow(organization_id) as work:
        endpoint = work.webhook_endpoints.add(
            NewEndpoint(
                organization_id,
                url=url,
                event_types=event_types,
                inbox_ids=_checked_inboxes(work, request.inbox_ids),
                description=description,
                enabled=request.enabled,
                secret_sealed=sealed,
            )
        )
    return EndpointWithSecret(endpoint, secret)


def list_endpoints(
    uow: UnitOfWorkFactory, organization_id: UUID, page: PageRequest
) -> Page[WebhookEndpoint]:
    """The organisation's endpoints, oldest first."""
    with uow(organization_id) as work:
        return Page.from_rows(work.webhook_endpoints.list(page), page)


def get_endpoint(
    uow: UnitOfWorkFactory, organization_id: UUID, endpoint_id: UUID
) -> WebhookEndpoint:
    with uow(organization_id) as work:
        found = work.webhook_endpoints.get(endpoint_id)
    if found is None:
        raise _not_found()
    return found


def update_endpoint(
    uow: UnitOfWorkFactory,
    clock: Clock,
    receivers: Receivers,
    organization_id: UUID,
    endpoint_id: UUID,
    changes: EndpointChanges,
) -> WebhookEndpoint:
    """Change the fields given (a new URL is checked as a new endpoint's is). Enabling a
    disabled endpoint forgets why it was disabled and its failing streak; disabling one is
    the caller's (`manual`)."""
    checked = replace(
        changes,
        url=checked_url(changes.url, receivers) if changes.url is not None else None,
        event_types=checked_types(changes.event_types) if changes.event_types is not None else None,
        description=checked_description(changes.description),
    )
    with uow(organization_id) as work:
        if checked.inbox_ids is not None:
            checked = replace(checked, inbox_ids=_checked_inboxes(work, checked.inbox_ids))
        updated = work.webhook_endpoints.update(endpoint_id, checked, clock.now())
    if updated is None:
        raise _not_found()
    return updated


def delete_endpoint(
    uow: UnitOfWorkFactory, clock: Clock, organization_id: UUID, endpoint_id: UUID
) -> None:
    """Delete the endpoint: nothing more is delivered to it."""
    with uow(organization_id) as work:
        deleted = work.webhook_endpoints.soft_delete(endpoint_id, clock.now())
    if not deleted:
        raise _not_found()


def rotate_secret(
    uow: UnitOfWorkFactory,
    clock: Clock,
    box: SecretBox,
    organization_id: UUID,
    endpoint_id: UUID,
    grace: timedelta | None = None,
) -> EndpointWithSecret:
    """Give the endpoint a new signing secret, answered this once. The one it replaces signs
    beside it for `grace` (24 hours by default, at most 7 days; 0 drops it at once), so a
    receiver can switch without missing a delivery."""
    period = DEFAULT_ROTATION_GRACE if grace is None else grace
    if not timedelta(0) <= period <= MAX_ROTATION_GRACE:
        raise ValidationError(
            f"grace_period_seconds must be between 0 and {int(MAX_ROTATION_GRACE.total_seconds())}",
            field="grace_period_seconds",
        )
    secret = new_secret()
    sealed = box.seal(secret)
    with uow(organization_id) as work:
        rotated = work.webhook_endpoints.rotate(endpoint_id, sealed, clock.now() + period)
    if rotated is None:
        raise _not_found()
    return EndpointWithSecret(rotated, secret)
