"""`InMemoryBlobStore`: the `BlobStore` port held in a dictionary, for tests and benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from mailman.domain.blobs import Blob
from mailman.domain.errors import NotFound
from mailman.domain.filenames import content_disposition


@dataclass(frozen=True)
class StoredBlob:
    data: bytes
    content_type: str


class InMemoryBlobStore:
    """Objects by key in one process; a second `put` of a key replaces the first, as in S3."""

    def __init__(self) -> None:
        self._objects: dict[str, StoredBlob] = {}

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self._objects[key] = StoredBlob(bytes(data), content_type)

    def keys(self) -> set[str]:
        """Every key an object is stored at: what a test reads to see nothing was left."""
        return set(self._objects)

    def get(self, key: str) -> bytes:
        found = self._objects.get(key)
        if found is None:
            raise NotFound(f"no object at {key}", field="key")
        return found.data

    def get_many(self, keys: Sequence[str]) -> list[bytes | Exception]:
        """Each object's bytes or the error reading it, one after another."""
        answers: list[bytes | Exception] = []
        for key in keys:
            try:
                answers.append(self.get(key))
            except Exception as exc:  # answered for this key alone
                answers.append(exc)
        return answers

    def put_many(self, blobs: Sequence[Blob]) -> list[Exception | None]:
        """Write each object, one after another."""
        answers: list[Exception | None] = []
        for blob in blobs:
            try:
                self.put(blob.key, blob.data, blob.content_type)
                answers.append(None)
            except Exception as exc:  # answered for this object alone
                answers.append(exc)
        return answers

    def presigned_get(self, key: str, *, expires_in: int = 300, filename: str | None = None) -> str:
        """A `memory://` URL naming the key and, as S3's does, the download's header (like S3,
        it does not check that the key exists)."""
        params: dict[str, str | int] = {
            "expires_in": expires_in,
            "response-content-disposition": content_disposition(filename),
        }
        return f"memory://blobs/{quote(key)}?{urlencode(params)}"

    def presigned_put(self, key: str, *, content_type: str, expires_in: int = 3600) -> str:
        return f"memory://blobs/{quote(key)}?{urlencode({'expires_in': expires_in})}"

    def size(self, key: str) -> int | None:
        found = self._objects.get(key)
        return len(found.data) if found else None

    def list_keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self._objects if k.startswith(prefix))

    def delete_many(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._objects.pop(key, None)

    def content_type(self, key: str) -> str:
        """The content type `key` was stored with."""
        found = self._objects.get(key)
        if found is None:
            raise NotFound(f"no object at {key}", field="key")
        return found.content_type
