"""Each matrix environment proves that it runs the interpreter and library versions it pins."""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError, version

import pytest
from packaging.specifiers import SpecifierSet

PINS = {"EXPECT_URLLIB3": "urllib3", "EXPECT_REQUESTS": "requests", "EXPECT_HTTPX": "httpx"}


def test_python_is_the_one_the_environment_names() -> None:
    expected = os.environ.get("EXPECT_PYTHON")
    if expected is None:
        pytest.skip("not run from a hatch-test matrix environment")
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == expected


@pytest.mark.parametrize("variable", sorted(PINS))
def test_pinned_library_is_installed(variable: str) -> None:
    spec = os.environ.get(variable)
    if spec is None:
        pytest.skip(f"this environment pins no {PINS[variable]}")
    try:
        installed = version(PINS[variable])
    except PackageNotFoundError:
        pytest.fail(f"{PINS[variable]} is pinned ({spec}) but not installed")
    assert installed in SpecifierSet(spec), f"{PINS[variable]} {installed} not in {spec}"
