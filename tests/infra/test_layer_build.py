"""layers/build.py: the deps layer for the Lambda platform without what the runtime has, the
code layer from shared/, each rebuilt only when what it is made from changed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from layers import build


@pytest.fixture
def package(tmp_path: Path) -> Path:
    source = tmp_path / "src" / "mailman"
    (source / "__pycache__").mkdir(parents=True)
    (source / "__init__.py").write_text("")
    (source / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    (source / "migrations").mkdir()
    (source / "migrations" / "0001_initial.sql").write_text("create table t ();\n")
    return source


@pytest.fixture
def requirements(tmp_path: Path) -> Path:
    path = tmp_path / "requirements.txt"
    path.write_text("# comment\npydantic==2.14.3\nboto3==1.44.5  # runtime\nBotoCore==1.44.5\n")
    return path


def test_deps_layer_leaves_boto3_and_botocore_to_the_runtime() -> None:
    text = (
        "# comment\npydantic==2.14.3\nboto3==1.44.5  # runtime\nBotoCore==1.44.5\npsycopg==3.3.9\n"
    )

    assert build.layer_requirements(text) == "pydantic==2.14.3\npsycopg==3.3.9\n"


def test_project_requirements_keep_everything_but_the_runtimes_packages() -> None:
    wanted = build.layer_requirements(build.REQUIREMENTS.read_text())

    assert "boto3" not in wanted
    assert "aws-lambda-powertools==" in wanted
    assert "psycopg-binary==" in wanted
    assert "defusedxml==" in wanted


def test_code_layer_copies_the_package_without_bytecode(tmp_path: Path, package: Path) -> None:
    out = tmp_path / "out"

    rebuilt = build.build_code_layer(out, package)

    copied = out / "code" / "python" / "mailman"
    assert rebuilt is True
    assert (copied / "migrations" / "0001_initial.sql").read_text() == "create table t ();\n"
    assert not (copied / "__pycache__").exists()


def test_code_layer_is_rebuilt_only_when_the_package_changed(tmp_path: Path, package: Path) -> None:
    out = tmp_path / "out"
    build.build_code_layer(out, package)

    unchanged = build.build_code_layer(out, package)
    (package / "__pycache__" / "other.pyc").write_bytes(b"\1")
    bytecode_only = build.build_code_layer(out, package)
    (package / "migrations" / "0002_next.sql").write_text("select 1;\n")
    changed = build.build_code_layer(out, package)

    assert (unchanged, bytecode_only, changed) == (False, False, True)
    assert (out / "code" / "python" / "mailman" / "migrations" / "0002_next.sql").exists()


def test_code_only_deps_layer_is_a_marker_and_needs_no_pip(
    tmp_path: Path, requirements: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pip(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("pip must not run for a code-only build")

    monkeypatch.setattr(subprocess, "run", no_pip)

    rebuilt = build.build_deps_layer(tmp_path, code_only=True, requirements=requirements)

    assert rebuilt is True
    assert [p.name for p in (tmp_path / "deps" / "python").iterdir()] == [build.CODE_ONLY_MARKER]


def test_deps_layer_installs_arm64_wheels_for_the_runtime_then_drops_botocore(
    tmp_path: Path, requirements: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def fake_pip(argv: list[str], **kwargs: Any) -> None:
        calls.append(argv)
        target = Path(argv[argv.index("--target") + 1])
        wanted = Path(argv[argv.index("--requirement") + 1]).read_text()
        assert wanted == "pydantic==2.14.3\n"
        for name in ("pydantic", "botocore", "botocore-1.44.5.dist-info", "jmespath"):
            (target / name).mkdir()

    monkeypatch.setattr(subprocess, "run", fake_pip)
    build.build_deps_layer(tmp_path, code_only=True, requirements=requirements)

    rebuilt = build.build_deps_layer(tmp_path, requirements=requirements)
    again = build.build_deps_layer(tmp_path, requirements=requirements)

    (argv,) = calls
    assert (rebuilt, again) == (True, False)
    assert argv[argv.index("--python-version") + 1] == build.PYTHON_VERSION
    assert "--only-binary=:all:" in argv
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--platform"] == list(build.PLATFORMS)
    assert sorted(p.name for p in (tmp_path / "deps" / "python").iterdir()) == ["pydantic"]
