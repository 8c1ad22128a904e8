"""`InMemoryDraftRepository`: drafts changed in place, each change naming the version (the
`updated_at`) it was read at."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.messages import InMemoryMessageRepository
from mailman.adapters.memory.tables import MessageRow, ScopedRepository
from mailman.domain.messages import NewMessage
from mailman.domain.models import DeliveryStatus


class InMemoryDraftRepository(ScopedRepository):
    def _draft(self, draft_id: UUID, version: datetime | None = None) -> MessageRow | None:
        row = self._tables.messages.get(draft_id)
        if row is None or not self._scope.sees(row.organization_id):
            return None
        if not self._scope.reaches(row.message.inbox_id):
            return None
        if row.message.status != DeliveryStatus.DRAFT:
            return None
        return row if version is None or row.updated_at == version else None

    def replace(self, draft: NewMessage, *, version: datetime) -> bool:
        """The row goes and comes back under the same id, keeping when it was created."""
        assert draft.id is not None, "a draft is replaced under its own id"
        gone = self._draft(draft.id, version)
        if gone is None:
            return False
        del self._tables.messages[draft.id]
        InMemoryMessageRepository(self._scope).add(draft)
        self._tables.messages[draft.id].created_at = gone.created_at
        return True

    def promote(self, message: NewMessage, *, version: datetime) -> bool:
        assert message.status is not None, "a promoted draft has its new state"
        assert message.id is not None, "a draft is promoted under its own id"
        row = self._draft(message.id, version)
        if row is None:
            return False
        row.message = replace(
            row.message,
            status=message.status,
            thread_id=message.thread_id,
            match_reason=message.match_reason,
            send_at=message.send_at,
            queued_at=message.queued_at,
            from_name=message.from_name,
            folder=message.folder,
        )
        row.updated_at = self._scope.stamp()
        return True

    def delete(self, draft_id: UUID) -> bool:
        if self._draft(draft_id) is None:
            return False
        del self._tables.messages[draft_id]
        return True
