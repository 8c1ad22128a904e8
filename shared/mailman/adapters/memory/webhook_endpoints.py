"""`InMemoryWebhookEndpoints`: an organisation's webhook endpoints, as the API manages them."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import ScopedRepository, keyset_page
from mailman.adapters.memory.webhook_rows import WebhookEndpointRow
from mailman.domain.pagination import PageRequest
from mailman.domain.webhook_views import WebhookEndpoint
from mailman.domain.webhooks import DisabledReason, EndpointChanges, EndpointSecrets, NewEndpoint


class InMemoryWebhookEndpoints(ScopedRepository):
    def _row(self, endpoint_id: UUID) -> WebhookEndpointRow | None:
        row = self._tables.webhook_endpoints.get(endpoint_id)
        if row is None or row.deleted_at is not None or not self._scope.sees(row.organization_id):
            return None
        return row if self._scope.reaches_all(row.inbox_ids) else None

    def add(self, endpoint: NewEndpoint) -> WebhookEndpoint:
        self._scope.check(endpoint.organization_id)
        self._scope.check_within(endpoint.inbox_ids)
        now = self._scope.stamp()
        row = WebhookEndpointRow(
            id=uuid.uuid4(),
            organization_id=endpoint.organization_id,
            url=endpoint.url,
            event_types=endpoint.event_types,
            inbox_ids=endpoint.inbox_ids,
            description=endpoint.description,
            enabled=endpoint.enabled,
            secret_sealed=endpoint.secret_sealed,
            created_at=now,
            updated_at=now,
        )
        if not endpoint.enabled:
            row.disabled_reason, row.disabled_at = DisabledReason.MANUAL, now
        self._tables.webhook_endpoints[row.id] = row
        return row.endpoint()

    def get(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        row = self._row(endpoint_id)
        return row.endpoint() if row else None

    def list(self, page: PageRequest) -> list[WebhookEndpoint]:
        live = (
            row.endpoint()
            for row in self._tables.webhook_endpoints.values()
            if self._row(row.id) is not None
        )
        return keyset_page(live, page)

    def update(
        self, endpoint_id: UUID, changes: EndpointChanges, at: datetime
    ) -> WebhookEndpoint | None:
        row = self._row(endpoint_id)
        if row is None:
            return None
        if changes.url is not None:
            row.url = changes.url
        if changes.event_types is not None:
            row.event_types = changes.event_types
        if changes.inbox_ids is not None:
            self._scope.check_within(changes.inbox_ids)
            row.inbox_ids = changes.inbox_ids
        if changes.clear_description or changes.description is not None:
            row.description = None if changes.clear_description else changes.description
        if changes.enabled is not None:
            _switch(row, changes.enabled, at)
        row.updated_at = self._scope.stamp()
        return row.endpoint()

    def soft_delete(self, endpoint_id: UUID, at: datetime) -> bool:
        row = self._row(endpoint_id)
        if row is None:
            return False
        row.deleted_at = at
        row.updated_at = self._scope.stamp()
        return True

    def rotate(
        self, endpoint_id: UUID, secret_sealed: bytes, previous_expires_at: datetime
    ) -> WebhookEndpoint | None:
        row = self._row(endpoint_id)
        if row is None:
            return None
        row.previous_secret_sealed = row.secret_sealed
        row.previous_secret_expires_at = previous_expires_at
        row.secret_sealed = secret_sealed
        row.updated_at = self._scope.stamp()
        return row.endpoint()

    def secrets(self, endpoint_id: UUID) -> EndpointSecrets | None:
        row = self._row(endpoint_id)
        return row.secrets() if row else None


def _switch(row: WebhookEndpointRow, enabled: bool, at: datetime) -> None:
    """Enable or disable, as `WebhookEndpoints.update` says."""
    if enabled and not row.enabled:
        row.disabled_reason = row.disabled_at = row.failing_since = None
    elif not enabled and row.enabled:
        row.disabled_reason, row.disabled_at = DisabledReason.MANUAL, at
    row.enabled = enabled
