"""Packages whose public names or submodules are imported on first use (PEP 562's module
`__getattr__`), so that a function loads only the modules of the names it calls."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Collection, Mapping
from types import ModuleType
from typing import Any


def exports(
    package: str, modules: Mapping[str, str], *, stand_ins: Collection[str] = ()
) -> Callable[[str], Any]:
    """The `__getattr__` of `package`: each name of `modules` is imported from its module
    (named relative to the package) when first asked for, then kept in the package; each
    submodule of `stand_ins` is answered as `submodules` answers it."""
    submodule = submodules(package, stand_ins)

    def __getattr__(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            return submodule(name)
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)  # found directly from now on
        return value

    return __getattr__


class _Submodule(ModuleType):
    """Stands in for a submodule not imported yet (`submodules`): the first attribute asked
    of it imports the submodule, which answers that one and every later one."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(self.__name__), name)


def submodules(package: str, names: Collection[str]) -> Callable[[str], Any]:
    """The `__getattr__` of `package`: `from package import name`, for each of `names`,
    answers a stand-in that imports the submodule when one of its attributes is first used.
    A module that names a submodule at import but calls it only inside a request (a route
    module naming its use case) then leaves the loading to the first request that calls it.
    Once imported, the submodule itself takes the stand-in's place in the package."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        stand_in = _Submodule(f"{package}.{name}")
        setattr(sys.modules[package], name, stand_in)
        return stand_in

    return __getattr__
