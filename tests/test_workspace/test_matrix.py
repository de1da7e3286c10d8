"""Each matrix environment proves that it runs the interpreter and library versions it pins."""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError, version

import pytest
from packaging.specifiers import SpecifierSet

PINS = {
    "EXPECT_URLLIB3": "urllib3",
    "EXPECT_REQUESTS": "requests",
    "EXPECT_HTTPX": "httpx",
    "EXPECT_HTTPX2": "httpx2",
}


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


def test_httpx_suites_test_the_flavor_the_environment_pins() -> None:
    """The httpx2 environments run the httpx suites against httpx2 and httpx2-unixsocket."""
    from support import httpx_flavor

    pinned = "httpx2" if "EXPECT_HTTPX2" in os.environ else "httpx"
    assert pinned == httpx_flavor.LIBRARY
    assert httpx_flavor.httpx.__name__ == pinned
    assert httpx_flavor.httpcore.__name__ == pinned.replace("httpx", "httpcore")
    assert httpx_flavor.Client.__module__ == f"{pinned}_unixsocket._client"
    assert issubclass(httpx_flavor.Client, httpx_flavor.httpx.Client)
