"""The local bucket kept in its folder as it is written (`local.bucket_folder`), through a real
moto server as `make dev` runs it."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.aws import BUCKET, LocalAws
from local.bucket_folder import BucketFolder, StoredObject
from local.dns_zone import LocalZone
from local.durable_files import SCRATCH, DurableFolder

HOST = "127.0.0.1"
RAW = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: Hi\r\n\r\nHello\r\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Run:
    """One run of the platform's AWS stand-ins over the folder, as `make dev` starts them."""

    def __init__(self, zone: LocalZone, folder: Path) -> None:
        self.aws = LocalAws(HOST, _free_port(), zone, "us-east-1").start()
        self.aws.create_mail_resources(visibility_timeout=30)
        self.loaded = self.aws.load_bucket(folder)
        self.s3: Any = self.aws.client("s3")

    def end(self) -> None:
        """As a killed process ends: moto's memory is gone, only the folder stays."""
        httpx.post(f"{self.aws.endpoint}/moto-api/reset").raise_for_status()
        self.aws.stop()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "s3"


@pytest.fixture
def start(tmp_path: Path, folder: Path) -> Iterator[Any]:
    zone = LocalZone(tmp_path / "zone.json")
    runs: list[Run] = []

    def started() -> Run:
        if runs:
            runs[-1].end()
        runs.append(Run(zone, folder))
        return runs[-1]

    yield started
    runs[-1].end()


def test_an_object_is_in_the_folder_when_put_answers(start: Any, folder: Path) -> None:
    run = start()

    run.s3.put_object(
        Bucket=BUCKET,
        Key="raw/abc",
        Body=RAW,
        ContentType="message/rfc822",
        Metadata={"origin": "smtp"},
    )

    assert (folder / "raw" / "abc").read_bytes() == RAW
    about = json.loads((folder / ".metadata" / "raw" / "abc").read_bytes())
    assert about == {"content_type": "message/rfc822", "metadata": {"origin": "smtp"}}


def test_overwrites_copies_and_deletes_reach_the_folder(start: Any, folder: Path) -> None:
    run = start()
    for key in ("a/one", "a/two", "a/three"):
        run.s3.put_object(Bucket=BUCKET, Key=key, Body=b"first")

    run.s3.put_object(Bucket=BUCKET, Key="a/one", Body=b"second")
    run.s3.copy_object(Bucket=BUCKET, Key="b/copy", CopySource={"Bucket": BUCKET, "Key": "a/one"})
    run.s3.delete_object(Bucket=BUCKET, Key="a/two")
    run.s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "a/three"}], "Quiet": True})

    assert (folder / "a" / "one").read_bytes() == b"second"
    assert (folder / "b" / "copy").read_bytes() == b"second"
    assert not (folder / "a" / "two").exists()
    assert not (folder / "a" / "three").exists()
    assert not (folder / ".metadata" / "a" / "two").exists()


def test_a_completed_multipart_upload_reaches_the_folder(start: Any, folder: Path) -> None:
    run = start()
    upload = run.s3.create_multipart_upload(
        Bucket=BUCKET, Key="attachments/big.bin", ContentType="application/pdf"
    )
    part = run.s3.upload_part(
        Bucket=BUCKET,
        Key="attachments/big.bin",
        UploadId=upload["UploadId"],
        PartNumber=1,
        Body=b"%PDF-1.7 whole",
    )

    assert not (folder / "attachments" / "big.bin").exists()  # a part is not an object
    run.s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key="attachments/big.bin",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )

    assert (folder / "attachments" / "big.bin").read_bytes() == b"%PDF-1.7 whole"


def test_a_restart_loads_the_bucket_as_it_was_left(start: Any) -> None:
    first = start()
    first.s3.put_object(
        Bucket=BUCKET,
        Key="raw/kept",
        Body=RAW,
        ContentType="message/rfc822",
        Metadata={"origin": "smtp"},
    )
    first.s3.put_object(Bucket=BUCKET, Key="raw/replaced", Body=b"old")
    first.s3.put_object(Bucket=BUCKET, Key="raw/replaced", Body=b"new")
    first.s3.put_object(Bucket=BUCKET, Key="raw/deleted", Body=b"gone")
    first.s3.delete_object(Bucket=BUCKET, Key="raw/deleted")

    second = start()

    assert second.loaded == 2
    kept = second.s3.get_object(Bucket=BUCKET, Key="raw/kept")
    assert kept["Body"].read() == RAW
    assert kept["ContentType"] == "message/rfc822"
    assert kept["Metadata"] == {"origin": "smtp"}
    assert second.s3.get_object(Bucket=BUCKET, Key="raw/replaced")["Body"].read() == b"new"
    listed = second.s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert sorted(o["Key"] for o in listed) == ["raw/kept", "raw/replaced"]


def test_a_folder_saved_before_metadata_was_kept_loads(start: Any, folder: Path) -> None:
    (folder / "raw").mkdir(parents=True)
    (folder / "raw" / "old").write_bytes(RAW)

    run = start()

    assert run.loaded == 1
    assert run.s3.get_object(Bucket=BUCKET, Key="raw/old")["Body"].read() == RAW


def test_a_put_the_folder_cannot_keep_is_answered_an_error(start: Any, folder: Path) -> None:
    run = start()
    once = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=run.aws.endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )

    with pytest.raises(ClientError) as refused:
        once.put_object(Bucket=BUCKET, Key=".scratch/x", Body=b"data")

    assert refused.value.response["Error"]["Code"] == "InternalError"
    assert not (folder / SCRATCH / "x").exists()


def test_a_write_cut_short_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = DurableFolder(tmp_path / "files")
    files.write("raw/a", b"old")

    def interrupted(fd: int) -> None:
        raise OSError("killed while writing")

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(OSError, match="killed while writing"):
        files.write("raw/a", b"new, half written")
    monkeypatch.undo()

    assert files.read("raw/a") == b"old"
    assert list(files.names()) == ["raw/a"]


def test_leftovers_of_a_killed_write_are_neither_loaded_nor_kept(tmp_path: Path) -> None:
    bucket = BucketFolder(tmp_path / "s3")
    bucket.write(StoredObject("raw/a", b"whole", "message/rfc822"))
    (tmp_path / "s3" / SCRATCH).mkdir(exist_ok=True)
    (tmp_path / "s3" / SCRATCH / "tmpcut").write_bytes(b"half")

    loaded = list(bucket.objects())

    assert loaded == [StoredObject("raw/a", b"whole", "message/rfc822", {})]
    assert not (tmp_path / "s3" / SCRATCH).exists()
