"""`InMemoryUploads`: files uploaded ahead of a send, usable until they expire."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import ScopedRepository
from mailman.domain.messages import Upload


class InMemoryUploads(ScopedRepository):
    def add(self, upload: Upload) -> None:
        assert self._scope.organization_id is not None, "an upload is an organisation's"
        self._tables.uploads[upload.id] = (self._scope.organization_id, upload)

    def live(self, upload_ids: Sequence[UUID], at: datetime) -> dict[UUID, Upload]:
        found = {}
        for upload_id in upload_ids:
            entry = self._tables.uploads.get(upload_id)
            if entry and self._scope.sees(entry[0]) and entry[1].expires_at > at:
                found[upload_id] = entry[1]
        return found
