"""Uploads: files larger than a request can carry go straight to the blob store (a presigned
PUT), and a send names them by id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from uuid import UUID

from mailman.domain.headers import check_header_text
from mailman.domain.inbound import content_type_of, file_extension
from mailman.domain.messages import Upload
from mailman.domain.outbound import check_content_type
from mailman.domain.sending import UPLOAD_LIFETIME
from mailman.ports import BlobStore, Clock, UnitOfWorkFactory

URL_SECONDS = 3600


@dataclass(frozen=True)
class CreatedUpload:
    upload: Upload
    url: str


def create_upload(
    uow: UnitOfWorkFactory,
    blobs: BlobStore,
    clock: Clock,
    organization_id: UUID,
    *,
    filename: str,
    content_type: str | None,
) -> CreatedUpload:
    check_header_text(filename, "filename")
    chosen = content_type or content_type_of(filename)
    check_content_type(chosen, "content_type")
    now = clock.now()
    upload_id = uuid.uuid4()
    ext = file_extension(filename, chosen)
    upload = Upload(
        id=upload_id,
        filename=filename,
        content_type=chosen,
        storage_key=f"attachments/uploads/{now:%Y/%m/%d}/{organization_id}/{upload_id}{ext}",
        expires_at=now + UPLOAD_LIFETIME,
    )
    with uow(organization_id) as work:
        work.uploads.add(upload)
    url = blobs.presigned_put(upload.storage_key, content_type=chosen, expires_in=URL_SECONDS)
    return CreatedUpload(upload, url)
