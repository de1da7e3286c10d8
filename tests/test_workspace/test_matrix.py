"""Each matrix environment proves that it runs the interpreter and library versions it pins,
and edge environments run the suites their pins affect (``TEST_SUITES``, in tests/conftest.py)."""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    tomllib = pytest.importorskip("tomli", reason="tomllib is Python 3.11+; tomli not installed")

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
    assert httpx_flavor.Client.__module__ == f"{pinned}_unixsocket"
    assert issubclass(httpx_flavor.Client, httpx_flavor.httpx.Client)


ROOT = Path(__file__).resolve().parents[2]


def edge_suites() -> dict[str, list[str]]:
    """Name pattern -> the suites ``TEST_SUITES`` gives the environments it matches."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        overrides: dict[str, Any] = tomllib.load(file)["tool"]["hatch"]["envs"]["hatch-test"]
    found = {}
    for pattern, options in overrides["overrides"].get("name", {}).items():
        for variable in options.get("env-vars", []):
            if variable["key"] == "TEST_SUITES":
                found[pattern] = variable["value"].split()
    return found


def test_edge_environments_name_real_suites_and_assert_their_pins() -> None:
    suites = edge_suites()
    assert len(suites) >= 2  # the urllib3/requests and httpx edges at least
    for pattern, names in suites.items():
        assert "test_workspace" in names, pattern
        assert all((ROOT / "tests" / name).is_dir() for name in names), pattern


@pytest.fixture
def tree(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project with this project's tests/conftest.py and two suites, in which no limit is set
    (this environment's own limits name this project's suites)."""
    monkeypatch.delenv("TEST_SUITES", raising=False)
    monkeypatch.delenv("TEST_FLAVORS", raising=False)
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    tests = pytester.path / "tests"
    tests.mkdir()
    (tests / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    for suite in ("test_one", "test_two"):
        (tests / suite).mkdir()
        (tests / suite / f"{suite}_file.py").write_text("def test_it(): pass\n")
    (tests / "test_two" / "test_flavors.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.parametrize('flavor', ['urllib3', 'httpx', 'httpx-trio'])\n"
        "def test_each(flavor): pass\n"
    )
    return pytester


def test_suites_limit_a_run_of_the_whole_tree_only(
    tree: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SUITES", "test_two")
    result = tree.runpytest()
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["suites (TEST_SUITES, *): test_two", "tests/test_two/*"])
    tree.runpytest("tests/test_one").assert_outcomes(passed=1)  # named paths run anyway
    monkeypatch.delenv("TEST_SUITES")
    tree.runpytest().assert_outcomes(passed=5)


def test_flavors_limit_the_cross_flavor_tests(
    tree: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_FLAVORS", "httpx")
    result = tree.runpytest("-v")
    result.assert_outcomes(passed=4, deselected=1)
    result.stdout.fnmatch_lines(["flavors (TEST_FLAVORS, *): httpx"])
    assert "[urllib3]" not in result.stdout.str()
    assert "test_each[httpx-trio] PASSED" in result.stdout.str()
    tree.runpytest("tests/test_two").assert_outcomes(passed=4)  # named paths run them all
    monkeypatch.setenv("TEST_FLAVORS", "httpx requets")
    result = tree.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "TEST_FLAVORS names no library of a flavor: ['requets']" in result.stderr.str()


def test_a_misspelt_suite_is_an_error(
    tree: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SUITES", "test_one test_nothing")
    result = tree.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "TEST_SUITES names no folder of tests/: ['test_nothing']" in result.stderr.str()
