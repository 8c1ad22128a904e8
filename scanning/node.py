"""The scanner image's two programs: the definitions job and the clamd service.

`refresh` (a Lambda handler, outside the VPC): seed a working directory from the definitions
in S3 and freshclam's state, run freshclam once, then publish every file that changed and,
last, `manifest.json` naming each file with its SHA-256. A task never sees half an update:
it loads what a manifest names, and only files whose digest matches.

`serve` (the Fargate task, in the isolated subnets): wait for a manifest, fetch what it names,
start clamd, and every few minutes fetch a newer manifest's files and tell clamd to RELOAD.
If clamd exits, so does the task, and ECS starts another.

stdlib and boto3 only; the settings come from the environment the stack sets.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
STATE_FILE = "freshclam.dat"
DEFINITION_SUFFIXES = (".cvd", ".cld", ".cud", ".cdb", ".ndb", ".hdb", ".ign2", ".ftm")
"""What freshclam leaves in its directory that clamd loads (freshclam.dat is its own)."""
FRESHCLAM_OK = (0, 1)
"""freshclam's exit codes for "updated" and "already up to date"."""
FRESHCLAM = "/usr/bin/freshclam"
JOB_DIR = Path("/tmp/clamav")  # noqa: S108 - Lambda's only writable place
DEFINITIONS_DIR = Path("/var/lib/clamav")
CLAMD_CONF = Path("/etc/clamav/clamd.conf")
RUNTIME_CONF = Path("/tmp/clamd.conf")  # noqa: S108 - the task's writable scratch
CLAMD_PORT = 3310
WAIT_SECONDS = 30


@dataclass(frozen=True)
class Entry:
    sha256: str
    size: int


Manifest = dict[str, Entry]


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def local_manifest(directory: Path) -> Manifest:
    """The definition files in `directory`, by name."""
    return {
        path.name: Entry(digest(path), path.stat().st_size)
        for path in sorted(directory.iterdir())
        if path.is_file() and path.suffix in DEFINITION_SUFFIXES
    }


def encode(manifest: Manifest) -> bytes:
    files = {name: {"sha256": e.sha256, "size": e.size} for name, e in sorted(manifest.items())}
    return json.dumps({"files": files}, indent=2).encode()


def decode(body: bytes) -> Manifest:
    """A manifest's files; ValueError if it is not one (a name with a path in it included)."""
    files = json.loads(body)["files"]
    manifest = {str(n): Entry(str(e["sha256"]), int(e["size"])) for n, e in files.items()}
    if any(Path(name).name != name or name.startswith(".") for name in manifest):
        raise ValueError("a manifest names files, not paths")
    return manifest


def changed(old: Manifest, new: Manifest) -> list[str]:
    """The names of `new` whose content `old` does not have."""
    return sorted(name for name, entry in new.items() if old.get(name) != entry)


class Bucket:
    """The definitions bucket through a boto3 S3 client (or anything with its methods)."""

    def __init__(self, client: Any, name: str, prefix: str) -> None:
        self._client = client
        self._name = name
        self._prefix = prefix

    def read(self, key: str) -> bytes | None:
        """The object's bytes, or None if there is none."""
        try:
            response = self._client.get_object(Bucket=self._name, Key=self._prefix + key)
        except self._client.exceptions.NoSuchKey:
            return None
        body: bytes = response["Body"].read()
        return body

    def download(self, key: str, path: Path) -> None:
        self._client.download_file(self._name, self._prefix + key, str(path))

    def upload(self, path: Path, key: str) -> None:
        self._client.upload_file(str(path), self._name, self._prefix + key)

    def write(self, key: str, body: bytes) -> None:
        self._client.put_object(Bucket=self._name, Key=self._prefix + key, Body=body)

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self._name, Key=self._prefix + key)

    def manifest(self) -> Manifest | None:
        body = self.read(MANIFEST)
        return None if body is None else decode(body)


def fetch(bucket: Bucket, manifest: Manifest, directory: Path) -> list[str]:
    """Make `directory` hold exactly the files of `manifest`: fetch the missing and changed
    ones (each checked against its digest before it replaces the old), remove the others.
    Answers the names fetched; ValueError if a download does not match its manifest (an
    update in flight: the next round takes the next manifest)."""
    directory.mkdir(parents=True, exist_ok=True)
    wanted = changed(local_manifest(directory), manifest)
    for name in wanted:
        partial = directory / f".{name}.part"
        bucket.download(name, partial)
        if digest(partial) != manifest[name].sha256:
            partial.unlink()
            raise ValueError(f"{name} does not match the manifest")
        partial.replace(directory / name)
    for name in set(local_manifest(directory)) - set(manifest):
        (directory / name).unlink()
    return wanted


def publish(bucket: Bucket, old: Manifest | None, directory: Path) -> list[str]:
    """Put `directory`'s changed definitions in the bucket, then the manifest naming them, then
    remove what the manifest no longer names. Answers the names put."""
    new = local_manifest(directory)
    if not new:
        raise RuntimeError(f"freshclam left no definitions in {directory}")
    previous = old or {}
    put = changed(previous, new)
    for name in put:
        bucket.upload(directory / name, name)
    if put or set(previous) != set(new):
        bucket.write(MANIFEST, encode(new))
    for name in set(previous) - set(new):
        bucket.delete(name)
    return put


def run_freshclam(directory: Path) -> None:
    result = subprocess.run(  # noqa: S603 - a fixed command
        [
            FRESHCLAM,
            "--config-file=/etc/clamav/freshclam.conf",
            f"--datadir={directory}",
            "--stdout",
        ],
        check=False,
    )
    if result.returncode not in FRESHCLAM_OK:
        raise RuntimeError(f"freshclam failed with exit code {result.returncode}")


def _buckets(environ: Mapping[str, str]) -> tuple[Bucket, Bucket]:
    import boto3

    client = boto3.client("s3")
    name = environ["DEFINITIONS_BUCKET"]
    return (
        Bucket(client, name, environ["DEFINITIONS_PREFIX"]),
        Bucket(client, name, environ.get("STATE_PREFIX", "freshclam/")),
    )


def refresh(event: object, context: object) -> dict[str, list[str]]:
    """The Lambda handler of the definitions job."""
    definitions, state = _buckets(os.environ)
    old = definitions.manifest()
    if old is not None:
        fetch(definitions, old, JOB_DIR)
    JOB_DIR.mkdir(parents=True, exist_ok=True)
    saved_state = state.read(STATE_FILE)
    if saved_state is not None:
        (JOB_DIR / STATE_FILE).write_bytes(saved_state)
    run_freshclam(JOB_DIR)
    if (JOB_DIR / STATE_FILE).is_file():
        state.upload(JOB_DIR / STATE_FILE, STATE_FILE)
    published = publish(definitions, old, JOB_DIR)
    print(json.dumps({"message": "definitions refreshed", "published": published}))
    return {"published": published}


def clamd_config(template: str, environ: Mapping[str, str]) -> str:
    """clamd.conf with the limits the stack sets: the inbound function's largest part and a
    scan time under its wait."""
    stream_max = int(environ["STREAM_MAX_BYTES"])
    scan_ms = int(float(environ["MAX_SCAN_SECONDS"]) * 1000)
    return f"{template.rstrip()}\nStreamMaxLength {stream_max}\nMaxScanTime {scan_ms}\n"


def reload_clamd() -> None:
    with socket.create_connection(("127.0.0.1", CLAMD_PORT), timeout=WAIT_SECONDS) as conn:
        conn.sendall(b"zRELOAD\0")
        conn.recv(64)


def sync(bucket: Bucket, directory: Path) -> list[str]:
    """Fetch the current manifest's files (none if there is no manifest yet)."""
    manifest = bucket.manifest()
    return [] if manifest is None else fetch(bucket, manifest, directory)


def first_definitions(bucket: Bucket, directory: Path) -> None:
    """Return once `directory` holds a manifest's definitions, waiting out a bucket that has
    none yet or is mid-update (clamd without definitions would not start)."""
    while True:
        try:
            if sync(bucket, directory) or local_manifest(directory):
                return
            print("no definitions published yet; waiting", flush=True)
        except Exception as exc:  # S3 or a digest: the next round may succeed
            print(f"definitions not fetched yet: {exc!r}", flush=True)
        time.sleep(WAIT_SECONDS)


def serve(environ: Mapping[str, str]) -> int:
    """The clamd task: definitions first, then clamd, kept fresh until clamd exits."""
    definitions, _ = _buckets(environ)
    first_definitions(definitions, DEFINITIONS_DIR)
    RUNTIME_CONF.write_text(clamd_config(CLAMD_CONF.read_text(), environ))
    clamd = subprocess.Popen(  # noqa: S603 - a fixed command
        ["/usr/sbin/clamd", f"--config-file={RUNTIME_CONF}", "--foreground"]
    )
    signal.signal(signal.SIGTERM, lambda *_: clamd.terminate())
    interval = int(environ.get("SYNC_MINUTES", "5")) * 60
    while True:
        try:
            return clamd.wait(timeout=interval)
        except subprocess.TimeoutExpired:
            _refresh_running(definitions)


def _refresh_running(definitions: Bucket) -> None:
    try:
        if sync(definitions, DEFINITIONS_DIR):
            reload_clamd()
            print("definitions updated; clamd reloading", flush=True)
    except Exception as exc:  # any failure: clamd goes on with what it has, and tries again
        print(f"definitions not updated this round: {exc!r}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] != ["serve"]:
        sys.exit("usage: node.py serve")
    sys.exit(serve(os.environ))
