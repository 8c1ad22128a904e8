"""`InMemoryUploads`: files uploaded ahead of a send, usable until they expire; an upload
made by a caller bound to inboxes is usable only by callers bound within them (migration
0018)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import ScopedRepository
from mailman.domain.messages import Upload


class InMemoryUploads(ScopedRepository):
    def add(self, upload: Upload) -> None:
        assert self._scope.organization_id is not None, "an upload is an organisation's"
        caller = self._scope.caller
        binding = None if caller is None else caller.inbox_ids
        self._tables.uploads[upload.id] = (self._scope.organization_id, upload, binding)

    def live(self, upload_ids: Sequence[UUID], at: datetime) -> dict[UUID, Upload]:
        found = {}
        for upload_id in upload_ids:
            entry = self._tables.uploads.get(upload_id)
            if entry is None:
                continue
            organization_id, upload, binding = entry
            if (
                self._scope.sees(organization_id)
                and self._scope.reaches_all(binding)
                and upload.expires_at > at
            ):
                found[upload_id] = upload
        return found
