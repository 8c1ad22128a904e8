import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from moto import mock_aws

from mailman.adapters.s3 import S3BlobStore
from mailman.domain.errors import NotFound


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3BlobStore]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="mail")
        yield S3BlobStore(client, "mail")


def test_what_is_put_can_be_read_back(store: S3BlobStore) -> None:
    store.put("raw/2026/11/21/abc.eml", b"From: a@example.com\r\n\r\nhi", "message/rfc822")

    assert store.get("raw/2026/11/21/abc.eml") == b"From: a@example.com\r\n\r\nhi"


def test_a_missing_object_is_not_found(store: S3BlobStore) -> None:
    with pytest.raises(NotFound):
        store.get("raw/none.eml")


def test_presigned_urls_expire_and_name_the_download(store: S3BlobStore) -> None:
    url = store.presigned_get("attachments/x.pdf", expires_in=120, filename='re"port\r\n.pdf')

    query = parse_qs(urlsplit(url).query)
    assert query["response-content-disposition"] == ['attachment; filename="report.pdf"']
    if "X-Amz-Expires" in query:
        assert query["X-Amz-Expires"] == ["120"]
    else:
        assert 115 <= float(query["Expires"][0]) - time.time() <= 120
