"""Every module of the core and the counting engine imports on its own, in a fresh interpreter
(an import cycle hides when the test suite happens to import modules in a lucky order)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import sovet.core
import sovet.count

MODULES = sorted(
    ["sovet.cli"]
    + [m.name for m in pkgutil.walk_packages(sovet.core.__path__, "sovet.core.")]
    + [m.name for m in pkgutil.walk_packages(sovet.count.__path__, "sovet.count.")]
)


@pytest.mark.parametrize("name", MODULES)
def test_the_module_imports_alone(name: str) -> None:
    done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
