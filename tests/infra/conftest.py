"""The Mailman stack, synthesised once per session from `cdk.json` with code-only layers."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from layers.build import build_code_layer, build_deps_layer
from stacks.config import StageSettings

from .support import Synthesised, synthesise


@pytest.fixture(scope="session")
def layers_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layers")
    build_deps_layer(out, code_only=True)
    build_code_layer(out)
    return out


@pytest.fixture(scope="session")
def synthesised(layers_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    return synthesise(layers_dir, tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def prod(layers_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    """The `prod` stage, for what differs from `dev` (or must hold in every deployed stage)."""
    return synthesise(layers_dir, tmp_path_factory.mktemp("cdk.out.prod"), stage="prod")


@pytest.fixture(scope="session")
def template(synthesised: Synthesised) -> Template:
    return synthesised.template


@pytest.fixture(scope="session")
def settings(synthesised: Synthesised) -> StageSettings:
    return synthesised.settings
