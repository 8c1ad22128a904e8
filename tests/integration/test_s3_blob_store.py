import time
from urllib.parse import parse_qs, urlsplit

import pytest

from mailman.adapters.s3 import S3BlobStore
from mailman.domain.errors import NotFound

from .conftest import BareAws


@pytest.fixture
def store(bare_aws: BareAws) -> S3BlobStore:
    return S3BlobStore(bare_aws.s3, bare_aws.bucket)


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
