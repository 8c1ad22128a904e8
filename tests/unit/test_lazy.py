"""`mailman.lazy`: names and submodules of a package imported when first used."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture
def package(tmp_path: Path) -> Iterator[ModuleType]:
    """A package `lazy_fixture` whose submodule `use_case` counts its imports."""
    root = tmp_path / "lazy_fixture"
    root.mkdir()
    (root / "__init__.py").write_text(
        "from mailman.lazy import submodules\n"
        "__getattr__ = submodules(__name__, {'use_case'})\n"
        "imported = 0\n"
    )
    (root / "use_case.py").write_text(
        "import lazy_fixture\nlazy_fixture.imported += 1\n\ndef run():\n    return 'ran'\n"
    )
    sys.path.insert(0, str(tmp_path))
    import lazy_fixture

    yield lazy_fixture
    sys.path.remove(str(tmp_path))
    for name in ("lazy_fixture", "lazy_fixture.use_case"):
        sys.modules.pop(name, None)


def test_a_submodule_named_is_imported_when_first_used(package: ModuleType) -> None:
    from lazy_fixture import use_case

    assert package.imported == 0
    assert "lazy_fixture.use_case" not in sys.modules

    assert use_case.run() == "ran"
    assert package.imported == 1
    assert use_case.run() == "ran"
    assert package.imported == 1


def test_once_imported_the_submodule_takes_the_stand_ins_place(package: ModuleType) -> None:
    from lazy_fixture import use_case

    use_case.run()

    assert package.use_case is sys.modules["lazy_fixture.use_case"]


def test_a_name_not_given_is_no_attribute(package: ModuleType) -> None:
    with pytest.raises(AttributeError, match="nothing"):
        package.nothing  # noqa: B018


@pytest.fixture
def exporting(tmp_path: Path) -> Iterator[ModuleType]:
    """A package `lazy_exports` exporting `run` from `use_case`, and `use_case` itself as a
    stand-in; `use_case` counts its imports."""
    root = tmp_path / "lazy_exports"
    root.mkdir()
    (root / "__init__.py").write_text(
        "from mailman.lazy import exports\n"
        "__getattr__ = exports(__name__, {'run': 'use_case'}, stand_ins={'use_case'})\n"
        "imported = 0\n"
    )
    (root / "use_case.py").write_text(
        "import lazy_exports\nlazy_exports.imported += 1\n\ndef run():\n    return 'ran'\n"
    )
    sys.path.insert(0, str(tmp_path))
    import lazy_exports

    yield lazy_exports
    sys.path.remove(str(tmp_path))
    for name in ("lazy_exports", "lazy_exports.use_case"):
        sys.modules.pop(name, None)


def test_an_exporting_package_answers_its_stand_ins_too(exporting: ModuleType) -> None:
    from lazy_exports import use_case

    assert exporting.imported == 0
    assert use_case.run() == "ran"
    assert exporting.imported == 1
    assert exporting.run() == "ran"
    assert exporting.imported == 1


def test_an_exporting_package_has_no_name_it_does_not_export(exporting: ModuleType) -> None:
    with pytest.raises(AttributeError, match="nothing"):
        exporting.nothing  # noqa: B018
