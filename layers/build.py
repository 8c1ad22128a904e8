"""Builds the two Lambda layers without Docker.

- `deps`: the third-party packages of `requirements.txt`, installed by pip as wheels for the
  Lambda platform (arm64, the runtime's CPython), without boto3 and its family, which the
  runtime provides.
- `code`: the project's `shared/mailman` package.

Each layer lands in `<out>/<layer>/python` (the layout Lambda puts on `sys.path`) and is
rebuilt only when the hash of what it is made from changed. `--code-only` makes the deps layer
an empty marker so that synth and the infrastructure tests need no network.

    python layers/build.py [--out .build/layers] [--code-only]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
SHARED_PACKAGE = ROOT / "shared" / "mailman"
DEFAULT_OUT = ROOT / ".build" / "layers"
"""Where the stack packages the layers from, unless the `layers_dir` context says otherwise."""

PYTHON_VERSION = "3.13"
"""The CPython of the Lambda runtime: `stacks/layers.py` makes every function's runtime of it."""
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
"""Wheel tags for arm64 Lambda (Amazon Linux 2023, glibc 2.34); psycopg-binary 3.3 ships 2_28."""
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})
"""Packages the Lambda Python runtime already has: left out of the deps layer."""
CODE_ONLY_MARKER = "CODE_ONLY"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def layer_requirements(text: str) -> str:
    """Answer the requirement lines of `text` that the deps layer installs."""
    kept = []
    for line in text.splitlines():
        requirement = line.split("#", 1)[0].strip()
        if not requirement:
            continue
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
        if _normalise(name) not in RUNTIME_PROVIDED:
            kept.append(requirement)
    return "\n".join(kept) + "\n"


def tree_hash(root: Path) -> str:
    """Hash the relative paths and contents of the files under `root`."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def _up_to_date(layer: Path, fingerprint: str) -> bool:
    stamp = layer.with_suffix(".sha256")
    return layer.is_dir() and stamp.is_file() and stamp.read_text() == fingerprint


def _stamp(layer: Path, fingerprint: str) -> None:
    layer.with_suffix(".sha256").write_text(fingerprint)


def _fresh(layer: Path) -> Path:
    shutil.rmtree(layer, ignore_errors=True)
    target = layer / "python"
    target.mkdir(parents=True)
    return target


def build_code_layer(out: Path, source: Path = SHARED_PACKAGE) -> bool:
    """Copy `source` into `<out>/code/python/`; answer whether it had to be rebuilt."""
    layer = out / "code"
    fingerprint = tree_hash(source)
    if _up_to_date(layer, fingerprint):
        return False
    target = _fresh(layer)
    shutil.copytree(source, target / source.name, ignore=IGNORED)
    _stamp(layer, fingerprint)
    return True


def _prune_runtime_provided(site: Path) -> None:
    """Remove what pip pulled in transitively (botocore via aws-xray-sdk) but the runtime has."""
    for entry in site.iterdir():
        name = entry.name.split("-", 1)[0] if entry.suffix == ".dist-info" else entry.name
        if _normalise(name) in RUNTIME_PROVIDED and entry.is_dir():
            shutil.rmtree(entry)


def build_deps_layer(
    out: Path, *, code_only: bool = False, requirements: Path = REQUIREMENTS
) -> bool:
    """Install the requirements into `<out>/deps/python/`; answer whether it was rebuilt."""
    layer = out / "deps"
    wanted = layer_requirements(requirements.read_text())
    mode = "code-only" if code_only else f"{' '.join(PLATFORMS)} cp{PYTHON_VERSION}"
    fingerprint = hashlib.sha256(f"{mode}\n{wanted}".encode()).hexdigest()
    if _up_to_date(layer, fingerprint):
        return False
    target = _fresh(layer)
    if code_only:
        (target / CODE_ONLY_MARKER).write_text("built with --code-only: not deployable\n")
    else:
        with tempfile.TemporaryDirectory() as scratch:
            wanted_file = Path(scratch) / "requirements.txt"
            wanted_file.write_text(wanted)
            subprocess.run(  # noqa: S603 - fixed argv, no shell
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-compile",
                    *(arg for platform in PLATFORMS for arg in ("--platform", platform)),
                    "--only-binary=:all:",
                    "--implementation",
                    "cp",
                    "--python-version",
                    PYTHON_VERSION,
                    "--target",
                    str(target),
                    "--requirement",
                    str(wanted_file),
                ],
                check=True,
            )
        _prune_runtime_provided(target)
    _stamp(layer, fingerprint)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the layers go")
    parser.add_argument(
        "--code-only", action="store_true", help="no third-party packages (needs no network)"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, rebuilt in (
        ("deps", build_deps_layer(args.out, code_only=args.code_only)),
        ("code", build_code_layer(args.out)),
    ):
        print(f"layer {name}: {'built' if rebuilt else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
