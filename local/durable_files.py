"""A folder of files each written whole or not at all, and on disk before the write returns.

A file is written to a temporary one beside the folder's others (`.scratch/`), synced, and
renamed over its name; the directory is synced after. A process killed at any moment leaves
the old file or the new one, never part of one; what a cut-short write left in `.scratch/` is
swept on the next start (`sweep`). Names are `/`-separated paths inside the folder; top-level
names starting with a dot are the folder's own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

SCRATCH = ".scratch"


class UnstorableName(ValueError):
    """A name that is no path inside the folder (empty parts, `.`, `..`, a leading dot)."""


class DurableFolder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._scratch = root / SCRATCH

    def path(self, name: str) -> Path:
        parts = name.split("/")
        if parts[0].startswith(".") or any(
            part in ("", ".", "..") or "\0" in part for part in parts
        ):
            raise UnstorableName(f"{name!r} is no file name in {self.root}")
        return self.root.joinpath(*parts)

    def write(self, name: str, data: bytes) -> None:
        target = self.path(name)
        _make_dirs(target.parent)
        _make_dirs(self._scratch)
        handle, temporary = tempfile.mkstemp(dir=self._scratch)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _sync_directory(target.parent)

    def remove(self, name: str) -> None:
        """Remove the file if there is one (a missing one is removed already)."""
        target = self.path(name)
        try:
            target.unlink()
        except FileNotFoundError:
            return
        _sync_directory(target.parent)

    def read(self, name: str) -> bytes | None:
        try:
            return self.path(name).read_bytes()
        except FileNotFoundError:
            return None

    def names(self) -> Iterator[str]:
        """Every file's name, directory by directory in sorted order (the folder's own
        top-level dot entries left out)."""
        if not self.root.is_dir():
            return
        for directory, subdirectories, files in os.walk(self.root):
            here = Path(directory)
            top = here == self.root
            subdirectories[:] = sorted(d for d in subdirectories if not (top and d[:1] == "."))
            for file in sorted(files):
                if not (top and file[:1] == "."):
                    yield (here / file).relative_to(self.root).as_posix()

    def sweep(self) -> None:
        """Clear what writes a kill cut short left behind."""
        shutil.rmtree(self._scratch, ignore_errors=True)


def _make_dirs(path: Path) -> None:
    """`path` and any missing parents, each new entry synced into its parent directory."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir()
        _sync_directory(directory.parent)


def _sync_directory(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
