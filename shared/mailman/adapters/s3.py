"""Objects in S3: raw mail and attachments, handed to clients as short-lived presigned URLs."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from mailman.domain.blobs import Blob
from mailman.domain.errors import NotFound, StorageError
from mailman.domain.filenames import content_disposition

_MISSING = {"NoSuchKey", "404", "NotFound"}
_THREADS = 10
_DELETE_BATCH = 1000
"""Keys one `DeleteObjects` request takes at most."""
T = TypeVar("T")


@functools.cache
def _pool() -> ThreadPoolExecutor:
    """Threads for S3 calls: S3 answers each in tens of milliseconds, so a batch's reads, or
    its writes, are made at once rather than one after another."""
    return ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="mailman-blobs")


def _at_once(calls: Sequence[Callable[[], T]]) -> list[T | Exception]:
    """Each call's answer or exception, the calls made concurrently (inline when only one)."""
    futures = [_pool().submit(call) for call in calls] if len(calls) > 1 else None
    answers: list[T | Exception] = []
    for n, call in enumerate(calls):
        try:
            answers.append(call() if futures is None else futures[n].result())
        except Exception as exc:  # answered for this call alone
            answers.append(exc)
    return answers


class S3BlobStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        try:
            self._client.put_object(
                Bucket=self._bucket, Key=key, Body=data, ContentType=content_type
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"could not store {key}", transient=True) from exc

    def get(self, key: str) -> bytes:
        try:
            body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"]
            return bytes(body.read())
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING:
                raise NotFound(f"no object at {key}", field="key") from exc
            raise StorageError(f"could not read {key}", transient=True) from exc
        except BotoCoreError as exc:
            raise StorageError(f"could not read {key}", transient=True) from exc

    def get_many(self, keys: Sequence[str]) -> list[bytes | Exception]:
        return _at_once([partial(self.get, key) for key in keys])

    def put_many(self, blobs: Sequence[Blob]) -> list[Exception | None]:
        return _at_once([partial(self.put, b.key, b.data, b.content_type) for b in blobs])

    def presigned_get(self, key: str, *, expires_in: int = 300, filename: str | None = None) -> str:
        """A URL that downloads `key` for `expires_in` seconds as an attachment, named after
        `filename` if given.

        The header S3 answers is `content_disposition`'s: ASCII only (`filename*` carries
        the name percent-encoded). A raw non-Latin-1 name must never get there: moto's server
        (werkzeug) fails to write such a header after starting the answer and leaves the
        connection open, so the client waits forever.
        """
        params: dict[str, Any] = {
            "Bucket": self._bucket,
            "Key": key,
            "ResponseContentDisposition": content_disposition(filename),
        }
        return str(
            self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
        )

    def presigned_put(self, key: str, *, content_type: str, expires_in: int = 3600) -> str:
        """A URL the caller PUTs `key`'s bytes to, sending `Content-Type: content_type`."""
        return str(
            self._client.generate_presigned_url(
                "put_object",
                Params={"Bucket": self._bucket, "Key": key, "ContentType": content_type},
                ExpiresIn=expires_in,
            )
        )

    def size(self, key: str) -> int | None:
        try:
            return int(self._client.head_object(Bucket=self._bucket, Key=key)["ContentLength"])
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING:
                return None
            raise StorageError(f"could not look at {key}", transient=True) from exc
        except BotoCoreError as exc:
            raise StorageError(f"could not look at {key}", transient=True) from exc

    def list_keys(self, prefix: str) -> list[str]:
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self._bucket, Prefix=prefix
            )
            return sorted(o["Key"] for page in pages for o in page.get("Contents", ()))
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"could not list {prefix}", transient=True) from exc

    def delete_many(self, keys: Sequence[str]) -> None:
        """`DeleteObjects` in batches of 1,000 (quiet: S3 answers only the failures); S3
        deletes a missing key without complaint."""
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            try:
                answer = self._client.delete_objects(
                    Bucket=self._bucket,
                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
                )
            except (ClientError, BotoCoreError) as exc:
                raise StorageError("could not delete objects", transient=True) from exc
            if answer.get("Errors"):
                failed = answer["Errors"][0]
                raise StorageError(
                    f"could not delete {failed.get('Key')}: {failed.get('Code')}", transient=True
                )
