import time
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from mailman.adapters.s3 import S3BlobStore
from mailman.domain.blobs import Blob
from mailman.domain.errors import NotFound, StorageError

from .conftest import BareAws
from .http_helpers import moto_server

__all__ = ["moto_server"]


@pytest.fixture
def store(bare_aws: BareAws) -> S3BlobStore:
    return S3BlobStore(bare_aws.s3, bare_aws.bucket)


def test_what_is_put_can_be_read_back(store: S3BlobStore) -> None:
    store.put("raw/2026/11/21/abc.eml", b"From: a@example.com\r\n\r\nhi", "message/rfc822")

    assert store.get("raw/2026/11/21/abc.eml") == b"From: a@example.com\r\n\r\nhi"


def test_a_missing_object_is_not_found(store: S3BlobStore) -> None:
    with pytest.raises(NotFound):
        store.get("raw/none.eml")


def test_many_objects_are_written_and_read_at_once_each_answered_in_order(
    store: S3BlobStore,
) -> None:
    written = store.put_many([Blob(f"k/{n}", bytes([n]) * n) for n in range(1, 13)])
    read = store.get_many(["k/3", "k/absent", "k/12"])

    assert written == [None] * 12
    assert read[0] == b"\x03" * 3
    assert read[2] == b"\x0c" * 12
    assert isinstance(read[1], NotFound)


def test_a_write_that_fails_is_answered_alone(bare_aws: BareAws) -> None:
    missing = S3BlobStore(boto3.client("s3", region_name="us-east-1"), "no-such-bucket")

    [failed] = missing.put_many([Blob("k", b"x")])

    assert isinstance(failed, StorageError)


def test_presigned_urls_expire_and_name_the_download(store: S3BlobStore) -> None:
    url = store.presigned_get("attachments/x.pdf", expires_in=120, filename='re"port\r\n.pdf')

    query = parse_qs(urlsplit(url).query)
    assert query["response-content-disposition"] == [
        "attachment; filename=\"re_port.pdf\"; filename*=UTF-8''re%22port.pdf"
    ]
    if "X-Amz-Expires" in query:
        assert query["X-Amz-Expires"] == ["120"]
    else:
        assert 115 <= float(query["Expires"][0]) - time.time() <= 120


def test_an_unnamed_download_is_still_an_attachment(store: S3BlobStore) -> None:
    url = store.presigned_get("attachments/x.html")

    query = parse_qs(urlsplit(url).query)
    assert query["response-content-disposition"] == ["attachment"]


def test_a_non_latin_1_name_downloads_over_http_with_the_encoded_header(
    bare_aws: BareAws, moto_server: str
) -> None:
    over_http = S3BlobStore(
        boto3.client("s3", region_name="us-east-1", endpoint_url=moto_server), bare_aws.bucket
    )
    over_http.put("attachments/f.pdf", b"%PDF-1.7", "application/pdf")

    url = over_http.presigned_get("attachments/f.pdf", filename="Отчёт 2026.pdf")
    answer = httpx.get(url, timeout=10)

    assert answer.status_code == 200
    assert answer.content == b"%PDF-1.7"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="2026.pdf"; '
        "filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%202026.pdf"
    )


def test_keys_are_listed_under_a_prefix_past_one_page_and_deleted_in_batches(
    store: S3BlobStore,
) -> None:
    keys = [f"attachments/2026/11/21/abc/{n:04}.bin" for n in range(1005)]
    store.put_many([Blob(k, b"x") for k in keys])
    store.put("attachments/2026/11/21/abd/other.bin", b"y")

    listed = store.list_keys("attachments/2026/11/21/abc/")
    store.delete_many([*listed, "attachments/none.bin"])  # a missing key is no error

    assert listed == keys
    assert store.list_keys("attachments/") == ["attachments/2026/11/21/abd/other.bin"]


def test_a_delete_that_fails_is_a_storage_error(bare_aws: BareAws) -> None:
    missing = S3BlobStore(boto3.client("s3", region_name="us-east-1"), "no-such-bucket")

    with pytest.raises(StorageError):
        missing.delete_many(["raw/a.eml"])
    with pytest.raises(StorageError):
        missing.list_keys("raw/")
