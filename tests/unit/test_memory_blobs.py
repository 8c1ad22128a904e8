from urllib.parse import parse_qs, urlsplit

import pytest

from mailman.adapters.memory.blobs import InMemoryBlobStore
from mailman.domain.blobs import Blob
from mailman.domain.errors import NotFound
from mailman.ports import BlobStore


def test_put_object_is_read_back_with_its_content_type() -> None:
    blobs = InMemoryBlobStore()

    blobs.put("raw/2026/11/21/a.eml", b"From: a@example.net\r\n\r\nhi\r\n", "message/rfc822")

    assert blobs.get("raw/2026/11/21/a.eml") == b"From: a@example.net\r\n\r\nhi\r\n"
    assert blobs.content_type("raw/2026/11/21/a.eml") == "message/rfc822"


def test_second_put_of_a_key_replaces_the_object() -> None:
    blobs = InMemoryBlobStore()
    blobs.put("attachments/x.pdf", b"first")

    blobs.put("attachments/x.pdf", b"second", "application/pdf")

    assert blobs.get("attachments/x.pdf") == b"second"
    assert blobs.content_type("attachments/x.pdf") == "application/pdf"


def test_get_of_a_missing_key_raises_not_found() -> None:
    blobs = InMemoryBlobStore()
    blobs.put("raw/present.eml", b"x")

    with pytest.raises(NotFound) as raised:
        blobs.get("raw/absent.eml")

    assert raised.value.field == "key"


def test_many_objects_are_written_and_read_back_each_answered_in_order() -> None:
    blobs = InMemoryBlobStore()

    written = blobs.put_many([Blob("a.eml", b"a", "message/rfc822"), Blob("b.pdf", b"b")])
    read = blobs.get_many(["b.pdf", "absent", "a.eml"])

    assert written == [None, None]
    assert read[0] == b"b"
    assert read[2] == b"a"
    assert isinstance(read[1], NotFound)
    assert blobs.content_type("a.eml") == "message/rfc822"


def test_presigned_url_names_the_key_expiry_and_download_header() -> None:
    blobs: BlobStore = InMemoryBlobStore()
    blobs.put("attachments/2026/report 1.pdf", b"%PDF-1.7")

    url = blobs.presigned_get("attachments/2026/report 1.pdf", expires_in=60, filename="r.pdf")

    parts = urlsplit(url)
    assert parts.path == "/attachments/2026/report%201.pdf"
    assert parse_qs(parts.query) == {
        "expires_in": ["60"],
        "response-content-disposition": ["attachment; filename=\"r.pdf\"; filename*=UTF-8''r.pdf"],
    }


def test_presigned_url_of_a_hostile_name_carries_the_encoded_header() -> None:
    blobs = InMemoryBlobStore()

    url = blobs.presigned_get("attachments/x.exe", filename="../\u202eevil\u00e9.exe")

    assert parse_qs(urlsplit(url).query)["response-content-disposition"] == [
        "attachment; filename=\"evile.exe\"; filename*=UTF-8''evil%C3%A9.exe"
    ]


def test_keys_are_listed_under_a_prefix_and_deleted_missing_ones_calmly() -> None:
    blobs = InMemoryBlobStore()
    for key in ("a/2", "a/1", "b/1"):
        blobs.put(key, b"x")

    listed = blobs.list_keys("a/")
    blobs.delete_many([*listed, "a/none"])

    assert listed == ["a/1", "a/2"]
    assert blobs.keys() == {"b/1"}
