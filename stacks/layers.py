"""The two Lambda layers, from the directories `layers/build.py` fills.

Synthesis only packages them: building (pip, copying `shared/`) happens before, in
`make synth` / `make deploy`, so that `app.py` makes no network call.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from layers.build import PYTHON_VERSION


def _python_runtime(version: str) -> lambda_.Runtime:
    name = f"python{version}"
    for runtime in lambda_.Runtime.ALL:
        if runtime.name == name:
            return runtime
    raise LookupError(f"aws-cdk-lib knows no Lambda runtime {name!r}")


RUNTIME = _python_runtime(PYTHON_VERSION)
"""The runtime of every function: the CPython `layers/build.py` builds the deps layer for."""
ARCHITECTURE = lambda_.Architecture.ARM_64
LAYER_NAMES = ("deps", "code")


class Layers(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, directory: Path) -> None:
        super().__init__(scope, construct_id)
        missing = [name for name in LAYER_NAMES if not (directory / name / "python").is_dir()]
        if missing:
            raise FileNotFoundError(
                f"layers {missing} are not built in {directory}: run `python layers/build.py`"
                " (add --code-only to synthesise without network)"
            )
        self.deps = self._layer("Dependencies", directory / "deps", "third-party packages")
        self.code = self._layer("Code", directory / "code", "the mailman package (shared/)")

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.deps, self.code]

    def _layer(self, construct_id: str, path: Path, what: str) -> lambda_.LayerVersion:
        return lambda_.LayerVersion(
            self,
            construct_id,
            code=lambda_.Code.from_asset(str(path)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description=f"Mailman: {what}",
        )
