"""The local bucket kept in a folder as it is written: moto holds S3 objects in memory only.

moto 5.2 has no file-backed store (its request recorder appends every request of every
service to a log before serving it, unsynced, and can only replay them all), so the bucket
is written through instead. Every S3 request that changes an object (PutObject, CopyObject,
CompleteMultipartUpload, a presigned POST, DeleteObject, DeleteObjects) writes the object as
moto now holds it to the folder, or removes it, with fsync, before moto answers; when that
fails the client gets a 500 `InternalError` (boto3 retries it, which writes it again).

An object is the file `<folder>/<key>` holding its bytes (a received message reads as its
.eml), its Content-Type and user metadata the file `<folder>/.metadata/<key>` (JSON), written
first: the object's own file is written whole or not at all (`local.durable_files`), so after
a kill at any moment each object is its old state or its new one. At start the bucket is
loaded back from the folder (`LocalAws.load_bucket`), then kept.

Patches moto in this process (`install`); a bucket is kept once named (`keep`).
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moto.s3.models import FakeKey, S3Backend
from moto.s3.responses import S3Response

from local.durable_files import DurableFolder, UnstorableName

METADATA = ".metadata"
USER_METADATA_PREFIX = "x-amz-meta-"
_NOT_KEPT = (
    500,
    {"content-type": "application/xml"},
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>'
    b"<Message>the local bucket could not write the object to its folder</Message></Error>",
)


@dataclass(frozen=True)
class StoredObject:
    key: str
    body: bytes
    content_type: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    """User metadata, as `put_object(Metadata=...)` takes it (no `x-amz-meta-` prefix)."""


class BucketFolder:
    """The objects of one bucket in a folder, each written whole and synced."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._objects = DurableFolder(root)
        self._metadata = DurableFolder(root / METADATA)

    def write(self, stored: StoredObject) -> None:
        about = {"content_type": stored.content_type, "metadata": stored.metadata}
        self._metadata.write(stored.key, json.dumps(about).encode())
        self._objects.write(stored.key, stored.body)

    def remove(self, key: str) -> None:
        self._objects.remove(key)
        self._metadata.remove(key)

    def objects(self) -> Iterator[StoredObject]:
        """Every object kept, by key; a key written before metadata was kept has none."""
        self._objects.sweep()
        self._metadata.sweep()
        for key in self._objects.names():
            body = self._objects.read(key)
            if body is None:
                continue
            about = json.loads(self._metadata.read(key) or b"{}")
            yield StoredObject(key, body, about.get("content_type"), about.get("metadata", {}))


_folders: dict[str, BucketFolder] = {}
_touched = threading.local()
_locks = tuple(threading.Lock() for _ in range(64))
"""One key's writes to its file are one at a time (a key takes the lock its hash picks)."""


def keep(bucket: str, folder: BucketFolder) -> None:
    """From now on, write every change to `bucket`'s objects through to `folder`."""
    _folders[bucket] = folder


def forget(bucket: str) -> None:
    _folders.pop(bucket, None)


def install() -> None:
    """Have moto's S3 write kept buckets through to their folders (in this process);
    idempotent."""
    S3Backend.put_object = _put_object  # type: ignore[method-assign]
    S3Backend.delete_object = _delete_object  # type: ignore[method-assign]
    S3Response.key_response = _written_through(_KEY_RESPONSE)  # type: ignore[method-assign]
    S3Response.bucket_response = _written_through(_BUCKET_RESPONSE)  # type: ignore[method-assign]


_PUT_OBJECT = S3Backend.put_object
_PUT_SIGNATURE = inspect.signature(_PUT_OBJECT)
_DELETE_OBJECT = S3Backend.delete_object
_DELETE_SIGNATURE = inspect.signature(_DELETE_OBJECT)
_KEY_RESPONSE = S3Response.key_response
_BUCKET_RESPONSE = S3Response.bucket_response


def _note(backend: S3Backend, bucket: str, key: str) -> None:
    """Every change to an object reaches the backend through these two methods (copies and
    completed multipart uploads put, DeleteObjects deletes each): note which key changed."""
    if bucket in _folders:
        _touched.keys = [*getattr(_touched, "keys", []), (backend, bucket, key)]


def _put_object(self: S3Backend, *args: Any, **kwargs: Any) -> FakeKey:
    named = _PUT_SIGNATURE.bind(self, *args, **kwargs).arguments
    stored = _PUT_OBJECT(self, *args, **kwargs)
    _note(self, named["bucket_name"], named["key_name"])
    return stored


def _delete_object(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
    named = _DELETE_SIGNATURE.bind(self, *args, **kwargs).arguments
    answer = _DELETE_OBJECT(self, *args, **kwargs)
    _note(self, named["bucket_name"], named["key_name"])
    return answer


def _written_through(serve: Callable[..., Any]) -> Callable[..., Any]:
    """`serve` (one S3 request), then the objects it changed written to their folders: its
    answer once they are on disk, an `InternalError` if one could not be written."""

    def serving(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        _touched.keys = []
        try:
            answer = serve(self, *args, **kwargs)
        finally:
            kept = _write_through()
        return answer if kept else _NOT_KEPT

    return serving


def _write_through() -> bool:
    touched = dict.fromkeys(getattr(_touched, "keys", []))
    _touched.keys = []
    kept = True
    for backend, bucket, key in touched:
        folder = _folders.get(bucket)
        if folder is None:
            continue
        # Held while moto's object is read and written: a later change to the key, written
        # after, writes what moto holds then, so the file ends as the last change left it.
        with _locks[hash((bucket, key)) % len(_locks)]:
            try:
                _copy(backend, bucket, key, folder)
            except (OSError, UnstorableName) as exc:
                print(f"  [s3] could not keep {key} in {folder.root}: {exc}", flush=True)
                kept = False
    return kept


def _copy(backend: S3Backend, bucket: str, key: str, folder: BucketFolder) -> None:
    """The folder's copy of `key` made what moto holds: the object, or none."""
    found = backend.buckets.get(bucket)
    current = found.keys.get(key) if found is not None else None
    if not isinstance(current, FakeKey):  # gone, or a versioned bucket's delete marker
        folder.remove(key)
        return
    headers = {name.lower(): str(value) for name, value in current.metadata.items()}
    folder.write(
        StoredObject(
            key,
            current.value,
            headers.get("content-type"),
            {
                name.removeprefix(USER_METADATA_PREFIX): value
                for name, value in headers.items()
                if name.startswith(USER_METADATA_PREFIX)
            },
        )
    )
