"""The scanner image's programs (`scanning/node.py`): publishing freshclam's files with a
manifest, and a task fetching exactly what a manifest names, checked against its digests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from scanning import node
from scanning.node import (
    Bucket,
    Entry,
    changed,
    clamd_config,
    decode,
    encode,
    fetch,
    local_manifest,
    publish,
)


class NoSuchKey(Exception):
    pass


class FakeS3:
    """The few S3 client calls the programs make, over a dict of keys."""

    class exceptions:
        NoSuchKey = NoSuchKey

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.writes: list[str] = []

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        if Key not in self.objects:
            raise NoSuchKey(Key)
        body = self.objects[Key]

        class Body:
            @staticmethod
            def read() -> bytes:
                return body

        return {"Body": Body}

    def put_object(self, Bucket: str, Key: str, Body: bytes) -> None:
        self.objects[Key] = Body
        self.writes.append(Key)

    def delete_object(self, Bucket: str, Key: str) -> None:
        self.objects.pop(Key, None)

    def download_file(self, bucket: str, key: str, path: str) -> None:
        Path(path).write_bytes(self.objects[key])

    def upload_file(self, path: str, bucket: str, key: str) -> None:
        self.objects[key] = Path(path).read_bytes()
        self.writes.append(key)


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def s3() -> FakeS3:
    return FakeS3()


@pytest.fixture
def bucket(s3: FakeS3) -> Bucket:
    return Bucket(s3, "definitions-bucket", "definitions/")


def write(directory: Path, files: dict[str, bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (directory / name).write_bytes(content)
    return directory


def test_publish_puts_the_files_then_a_manifest_of_their_digests(
    s3: FakeS3, bucket: Bucket, tmp_path: Path
) -> None:
    job = write(tmp_path / "job", {"main.cvd": b"main", "daily.cld": b"daily"})

    put = publish(bucket, None, job)

    assert put == ["daily.cld", "main.cvd"]
    assert s3.objects["definitions/main.cvd"] == b"main"
    assert bucket.manifest() == {
        "daily.cld": Entry(sha(b"daily"), 5),
        "main.cvd": Entry(sha(b"main"), 4),
    }


def test_publish_puts_only_what_changed_and_removes_what_freshclam_dropped(
    s3: FakeS3, bucket: Bucket, tmp_path: Path
) -> None:
    job = write(tmp_path / "job", {"main.cvd": b"main", "daily.cvd": b"daily 1"})
    publish(bucket, None, job)
    old = bucket.manifest()
    (job / "daily.cvd").unlink()
    write(job, {"daily.cld": b"daily 2"})

    put = publish(bucket, old, job)

    assert put == ["daily.cld"]
    assert "definitions/daily.cvd" not in s3.objects
    assert sorted(bucket.manifest() or {}) == ["daily.cld", "main.cvd"]


def test_publish_writes_nothing_when_nothing_changed(
    s3: FakeS3, bucket: Bucket, tmp_path: Path
) -> None:
    job = write(tmp_path / "job", {"main.cvd": b"main"})
    publish(bucket, None, job)
    s3.writes.clear()

    assert publish(bucket, bucket.manifest(), job) == []
    assert s3.writes == []


def test_publish_refuses_an_empty_directory(bucket: Bucket, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="no definitions"):
        publish(bucket, None, write(tmp_path / "job", {"freshclam.dat": b"state"}))


def test_fetch_makes_the_directory_what_the_manifest_names(bucket: Bucket, tmp_path: Path) -> None:
    publish(bucket, None, write(tmp_path / "job", {"main.cvd": b"main", "daily.cld": b"new"}))
    task = write(tmp_path / "task", {"daily.cld": b"old", "daily.cvd": b"older"})

    fetched = fetch(bucket, bucket.manifest() or {}, task)

    assert fetched == ["daily.cld", "main.cvd"]
    assert local_manifest(task) == bucket.manifest()
    assert sorted(p.name for p in task.iterdir()) == ["daily.cld", "main.cvd"]


def test_fetch_of_what_is_already_there_fetches_nothing(bucket: Bucket, tmp_path: Path) -> None:
    publish(bucket, None, write(tmp_path / "job", {"main.cvd": b"main"}))
    task = write(tmp_path / "task", {"main.cvd": b"main"})

    assert fetch(bucket, bucket.manifest() or {}, task) == []


def test_fetch_refuses_a_file_that_does_not_match_its_manifest(
    s3: FakeS3, bucket: Bucket, tmp_path: Path
) -> None:
    publish(bucket, None, write(tmp_path / "job", {"daily.cld": b"daily 2"}))
    s3.objects["definitions/daily.cld"] = b"daily 3, mid-update"
    task = write(tmp_path / "task", {"daily.cld": b"daily 1"})

    with pytest.raises(ValueError, match="does not match"):
        fetch(bucket, bucket.manifest() or {}, task)

    assert (task / "daily.cld").read_bytes() == b"daily 1"
    assert [p.name for p in task.iterdir()] == ["daily.cld"]


def test_no_manifest_yet_reads_as_none(bucket: Bucket) -> None:
    assert bucket.manifest() is None


def test_a_manifest_naming_a_path_is_refused() -> None:
    body = json.dumps({"files": {"../etc/passwd": {"sha256": "0" * 64, "size": 1}}}).encode()

    with pytest.raises(ValueError, match="names files"):
        decode(body)


def test_a_manifest_reads_back_as_written() -> None:
    manifest = {"main.cvd": Entry(sha(b"main"), 4)}

    assert decode(encode(manifest)) == manifest


def test_changed_names_new_and_different_files_only() -> None:
    old = {"main.cvd": Entry("a", 1), "daily.cld": Entry("b", 1)}
    new = {"main.cvd": Entry("a", 1), "daily.cld": Entry("c", 1), "bytecode.cvd": Entry("d", 1)}

    assert changed(old, new) == ["bytecode.cvd", "daily.cld"]


def test_clamd_is_configured_with_the_stacks_limits() -> None:
    config = clamd_config(
        "TCPSocket 3310\n", {"STREAM_MAX_BYTES": "67108864", "MAX_SCAN_SECONDS": "8"}
    )

    assert config.splitlines() == [
        "TCPSocket 3310",
        "StreamMaxLength 67108864",
        "MaxScanTime 8000",
    ]


def test_the_shipped_clamd_conf_alerts_on_what_it_does_not_scan() -> None:
    conf = (Path(__file__).resolve().parents[2] / "scanning" / "clamd.conf").read_text()
    settings = dict(
        line.split(maxsplit=1) for line in conf.splitlines() if line and not line.startswith("#")
    )

    assert settings["TCPSocket"] == "3310"
    assert settings["AlertExceedsMax"] == "yes"
    assert "StreamMaxLength" not in settings  # the stack's, appended at start


def test_refresh_seeds_freshclam_from_the_bucket_and_publishes_its_changes(
    s3: FakeS3, bucket: Bucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(bucket, None, write(tmp_path / "before", {"main.cvd": b"main", "daily.cld": b"d1"}))
    s3.objects["freshclam/freshclam.dat"] = b"cool-down until 12:00"
    seen: dict[str, bytes] = {}

    def freshclam(directory: Path) -> None:
        seen.update({p.name: p.read_bytes() for p in directory.iterdir()})
        write(directory, {"daily.cld": b"d2", "freshclam.dat": b"cool-down over"})

    job_dir = tmp_path / "job"
    monkeypatch.setattr(node, "JOB_DIR", job_dir)
    monkeypatch.setattr(node, "run_freshclam", freshclam)
    monkeypatch.setattr(node, "_buckets", lambda _: (bucket, Bucket(s3, "b", "freshclam/")))

    answer = node.refresh({}, None)

    assert seen == {
        "main.cvd": b"main",
        "daily.cld": b"d1",
        "freshclam.dat": b"cool-down until 12:00",
    }
    assert answer == {"published": ["daily.cld"]}
    assert s3.objects["definitions/daily.cld"] == b"d2"
    assert s3.objects["freshclam/freshclam.dat"] == b"cool-down over"
    assert "definitions/freshclam.dat" not in s3.objects


def test_a_failing_freshclam_publishes_nothing(
    s3: FakeS3, bucket: Bucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = tmp_path / "freshclam"
    failing.write_text("#!/bin/sh\nexit 52\n")
    failing.chmod(0o755)
    monkeypatch.setattr(node, "FRESHCLAM", str(failing))
    monkeypatch.setattr(node, "JOB_DIR", tmp_path / "job")
    monkeypatch.setattr(node, "_buckets", lambda _: (bucket, Bucket(s3, "b", "freshclam/")))

    with pytest.raises(RuntimeError, match="exit code 52"):
        node.refresh({}, None)

    assert s3.writes == []


def test_a_task_waits_for_the_first_definitions_through_errors(
    s3: FakeS3, bucket: Bucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds: list[str] = []
    job = write(tmp_path / "job", {"main.cvd": b"main"})

    def sleep(_: float) -> None:
        rounds.append("slept")
        if len(rounds) == 1:  # a manifest whose file is still on its way
            publish(bucket, None, job)
            s3.objects["definitions/main.cvd"] = b"partial"
        else:
            s3.objects["definitions/main.cvd"] = b"main"

    monkeypatch.setattr(node.time, "sleep", sleep)
    task = tmp_path / "task"

    node.first_definitions(bucket, task)

    assert rounds == ["slept", "slept"]
    assert (task / "main.cvd").read_bytes() == b"main"
