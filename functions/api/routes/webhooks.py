"""Webhooks: the endpoints an organisation's events are delivered to, their signing secrets,
their delivery logs (every attempt), retries, recoveries and tests; and the catalogue of
event types.

A delivery is signed per Standard Webhooks v1 (`webhook-id`: the event's id, the same on
every retry and replay; `webhook-timestamp`; `webhook-signature`). The signing secret is in
the answers of `POST /webhooks` and `POST /webhooks/{id}/rotate-secret` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import AwareDatetime

from mailman.domain.access import Scope
from mailman.domain.event_catalogue import CATALOGUE
from mailman.domain.pagination import PageRequest
from mailman.domain.webhook_endpoints import MAX_EVENT_TYPE_LENGTH
from mailman.domain.webhooks import TEST_WAIT, DeliveryFilter, DeliveryState
from mailman.services.webhooks import endpoints, log

from ..access import requires
from ..dependencies import caller_uow, container, organization_id
from ..schemas.common import Limit, ListOf, PageToken, listing, page_of
from ..schemas.webhooks import (
    CreateWebhook,
    EventTypeOut,
    EventTypesOut,
    RecoverIn,
    RecoverOut,
    RotateSecretIn,
    UpdateWebhook,
    WebhookDeliveryOut,
    WebhookOut,
    WebhookTestOut,
    WebhookWithSecretOut,
)
from .sending import answer

if TYPE_CHECKING:
    from mailman.services.webhooks.endpoints import Receivers

router = Router()
TAGS = ["Webhooks"]


def publish(delivery_ids: Sequence[UUID]) -> None:
    """Hand the deliveries to the dispatcher now rather than at the sweep's next pass (where
    no webhook queue is configured, the sweep sends them)."""
    c = container()
    if not c.settings.webhook_queue_url:
        return
    from mailman.services.webhooks.relay import publish_due

    publish_due(
        c.uow, c.webhook_queue, c.clock, api_base_url=c.settings.api_base_url, only=delivery_ids
    )


def _receivers() -> Receivers:
    c = container()
    return endpoints.Receivers(c.host_resolver, allow_private=c.settings.webhook_allow_private)


@router.get(
    "/event-types",
    operation_id="event_types.list",
    summary="The catalogue of event types: when each is appended, its payload schema, an example",
    tags=TAGS,
    **requires(Scope.WEBHOOKS_READ),
)
def list_event_types() -> EventTypesOut:
    return EventTypesOut(data=[EventTypeOut.of(e) for e in CATALOGUE])


@router.post(
    "/webhooks",
    operation_id="webhooks.create",
    summary="Add a webhook endpoint (answers its signing secret, this once)",
    tags=TAGS,
    responses={
        201: {
            "description": "The endpoint and its signing secret",
            "content": {"application/json": {"model": WebhookWithSecretOut}},
        }
    },
    **requires(Scope.WEBHOOKS_WRITE),
)
def create_webhook(body: CreateWebhook) -> Response[WebhookWithSecretOut]:
    c = container()
    created = endpoints.create_endpoint(
        caller_uow(router), c.secret_box, _receivers(), organization_id(router), body.request()
    )
    return answer(HTTPStatus.CREATED, WebhookWithSecretOut.of(created))


@router.get(
    "/webhooks",
    operation_id="webhooks.list",
    summary="List webhook endpoints, oldest first",
    tags=TAGS,
    **requires(Scope.WEBHOOKS_READ),
)
def list_webhooks(limit: Limit = None, page_token: PageToken = None) -> ListOf[WebhookOut]:
    page = endpoints.list_endpoints(
        caller_uow(router), organization_id(router), PageRequest.parse(limit, page_token)
    )
    return listing(page, WebhookOut.model_validate)


@router.get(
    "/webhooks/<webhook_id>",
    operation_id="webhooks.get",
    summary="Get a webhook endpoint",
    tags=TAGS,
    **requires(Scope.WEBHOOKS_READ),
)
def get_webhook(webhook_id: UUID) -> WebhookOut:
    found = endpoints.get_endpoint(caller_uow(router), organization_id(router), webhook_id)
    return WebhookOut.model_validate(found)


@router.patch(
    "/webhooks/<webhook_id>",
    operation_id="webhooks.update",
    summary="Change a webhook endpoint (only the fields given; enable or disable it)",
    tags=TAGS,
    **requires(Scope.WEBHOOKS_WRITE),
)
def update_webhook(webhook_id: UUID, body: UpdateWebhook) -> WebhookOut:
    c = container()
    updated = endpoints.update_endpoint(
        caller_uow(router),
        c.clock,
        _receivers(),
        organization_id(router),
        webhook_id,
        body.changes(),
    )
    return WebhookOut.model_validate(updated)


@router.delete(
    "/webhooks/<webhook_id>",
    operation_id="webhooks.delete",
    summary="Delete a webhook endpoint",
    tags=TAGS,
    **requires(Scope.WEBHOOKS_WRITE),
)
def delete_webhook(webhook_id: UUID) -> Response[None]:
    c = container()
    endpoints.delete_endpoint(caller_uow(router), c.clock, organization_id(router), webhook_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.post(
    "/webhooks/<webhook_id>/rotate-secret",
    operation_id="webhooks.rotate_secret",
    summary="Give the endpoint a new signing secret; the old one signs too for a grace period",
    description="The answer holds the new secret, this once. Until "
    "`previous_secret_expires_at` every delivery carries two signatures (space-separated in "
    "`webhook-signature`), one by each secret: switch the receiver over within the grace "
    "period (default 24 hours, at most 7 days).",
    tags=TAGS,
    **requires(Scope.WEBHOOKS_WRITE),
)
def rotate_secret(webhook_id: UUID, body: RotateSecretIn | None = None) -> WebhookWithSecretOut:
    c = container()
    grace = body.grace_period_seconds if body is not None else None
    rotated = endpoints.rotate_secret(
        caller_uow(router),
        c.clock,
        c.secret_box,
        organization_id(router),
        webhook_id,
        timedelta(seconds=grace) if grace is not None else None,
    )
    return WebhookWithSecretOut.of(rotated)


@router.post(
    "/webhooks/<webhook_id>/test",
    operation_id="webhooks.test",
    summary="Send the endpoint a webhook.test event now, and answer its attempt",
    description="Waits up to 10 seconds for the attempt: 200 with it, or 202 with the "
    "delivery still pending (its attempt shows in the delivery log when it comes). A "
    "disabled endpoint may be tested.",
    tags=TAGS,
    responses={
        200: {
            "description": "The attempt came",
            "content": {"application/json": {"model": WebhookTestOut}},
        },
        202: {
            "description": "No attempt yet: the delivery, pending",
            "content": {"application/json": {"model": WebhookTestOut}},
        },
    },
    **requires(Scope.WEBHOOKS_WRITE),
)
def test_webhook(webhook_id: UUID) -> Response[WebhookTestOut]:
    c = container()
    sent = log.send_test(
        caller_uow(router), c.clock, organization_id(router), webhook_id, publish, wait=TEST_WAIT
    )
    status = HTTPStatus.OK if sent.attempt is not None else HTTPStatus.ACCEPTED
    return answer(status, WebhookTestOut.of(sent))


@router.get(
    "/webhooks/<webhook_id>/deliveries",
    operation_id="webhooks.deliveries.list",
    summary="The endpoint's deliveries, newest first, each with every attempt",
    description="Filter by `status`, `event_type` and when the delivery was made (`since` "
    "inclusive, `until` exclusive).",
    tags=TAGS,
    **requires(Scope.WEBHOOKS_READ),
)
def list_deliveries(
    webhook_id: UUID,
    status: Annotated[DeliveryState | None, Query()] = None,
    event_type: Annotated[str | None, Query(max_length=MAX_EVENT_TYPE_LENGTH)] = None,
    since: Annotated[AwareDatetime | None, Query()] = None,
    until: Annotated[AwareDatetime | None, Query()] = None,
    limit: Limit = None,
    page_token: PageToken = None,
) -> ListOf[WebhookDeliveryOut]:
    page = log.list_deliveries(
        caller_uow(router),
        organization_id(router),
        webhook_id,
        DeliveryFilter(status, event_type, since, until),
        PageRequest.parse(limit, page_token),
    )
    return page_of(page, WebhookDeliveryOut.model_validate)


@router.get(
    "/webhooks/<webhook_id>/deliveries/<delivery_id>",
    operation_id="webhooks.deliveries.get",
    summary="One delivery with every attempt",
    tags=TAGS,
    **requires(Scope.WEBHOOKS_READ),
)
def get_delivery(webhook_id: UUID, delivery_id: UUID) -> WebhookDeliveryOut:
    found = log.get_delivery(caller_uow(router), organization_id(router), webhook_id, delivery_id)
    return WebhookDeliveryOut.model_validate(found)


@router.post(
    "/webhooks/<webhook_id>/deliveries/<delivery_id>/retry",
    operation_id="webhooks.deliveries.retry",
    summary="Send a delivery again now, under the same webhook-id (a delivered one too)",
    description="A settled delivery gets one more attempt, without a retry schedule; a "
    "pending one is brought forward. 409 while an attempt of it is under way, and 409 "
    "`webhook_disabled` while the endpoint is disabled (enable it first).",
    tags=TAGS,
    responses={
        202: {
            "description": "The delivery, pending",
            "content": {"application/json": {"model": WebhookDeliveryOut}},
        },
        409: {
            "description": "An attempt of the delivery is under way (`conflict`), or the "
            "endpoint is disabled (`webhook_disabled`: enable the webhook first)"
        },
    },
    **requires(Scope.WEBHOOKS_WRITE),
)
def retry_delivery(webhook_id: UUID, delivery_id: UUID) -> Response[WebhookDeliveryOut]:
    c = container()
    retried = log.retry_delivery(
        caller_uow(router), c.clock, organization_id(router), webhook_id, delivery_id, publish
    )
    return answer(HTTPStatus.ACCEPTED, WebhookDeliveryOut.model_validate(retried))


@router.post(
    "/webhooks/<webhook_id>/recover",
    operation_id="webhooks.recover",
    summary="Send again every failed delivery of a window (after the receiver's outage)",
    description="Each is sent once more under its own webhook-id, without a retry "
    "schedule. The window is [since, until), until now by default, at most 14 days. 409 "
    "`webhook_disabled` while the endpoint is disabled (enable it first).",
    tags=TAGS,
    responses={
        202: {
            "description": "How many failed deliveries are sent again",
            "content": {"application/json": {"model": RecoverOut}},
        },
        409: {
            "description": "The endpoint is disabled (`webhook_disabled`): enable the webhook first"
        },
    },
    **requires(Scope.WEBHOOKS_WRITE),
)
def recover(webhook_id: UUID, body: RecoverIn) -> Response[RecoverOut]:
    c = container()
    recovered = log.recover_deliveries(
        caller_uow(router),
        c.clock,
        organization_id(router),
        webhook_id,
        body.since,
        body.until,
        publish,
    )
    return answer(HTTPStatus.ACCEPTED, RecoverOut(recovered=recovered))
