"""Fixtures every suite may use: a private socket directory (scripted servers come from the
unixsocket-testutils plugin: ``scripted_server_factory``); and the suites an environment runs.

``TEST_SUITES`` (set by the edge environments of the Hatch matrix, see pyproject.toml) names the
folders under tests/ that a run of the whole tree collects: the suites that environment's pins
can affect. Naming paths on the command line runs them, whatever ``TEST_SUITES`` says.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests derandomized: the same examples every run, so a red build is
# reproducible; locally they explore new examples each time.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def sockdir() -> Iterator[str]:
    """A fresh 0700 directory under /tmp: short, so socket paths stay under 107 bytes."""
    path = tempfile.mkdtemp(prefix="t-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


TESTS = Path(__file__).resolve().parent
SUITES_VARIABLE = "TEST_SUITES"


def limited_suites(config: pytest.Config) -> list[str] | None:
    """The suites ``TEST_SUITES`` names, when this run is of the whole tree; else None."""
    value = os.environ.get(SUITES_VARIABLE)
    whole_tree = [Path(arg).resolve() for arg in config.args] == [TESTS]
    return value.split() if value is not None and whole_tree else None


def pytest_configure(config: pytest.Config) -> None:
    unknown = [name for name in limited_suites(config) or [] if not (TESTS / name).is_dir()]
    if unknown:
        raise pytest.UsageError(f"{SUITES_VARIABLE} names no folder of tests/: {unknown}")


def pytest_report_header(config: pytest.Config) -> str | None:
    suites = limited_suites(config)
    if suites is None:
        return None
    return f"suites ({SUITES_VARIABLE}, what this environment's pins affect): {' '.join(suites)}"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    suites = limited_suites(config)
    if suites is None or collection_path.parent != TESTS or not collection_path.is_dir():
        return None
    if collection_path.name.startswith("test_") and collection_path.name not in suites:
        return True
    return None
