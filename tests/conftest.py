"""Fixtures every suite may use: a private socket directory (scripted servers come from the
unixsocket-testutils plugin: ``scripted_server_factory``); and the suites an environment runs.

``TEST_SUITES`` (set by the edge environments of the Hatch matrix, see pyproject.toml) names the
folders under tests/ that a run of the whole tree collects: the suites that environment's pins
can affect. ``TEST_FLAVORS`` names the client libraries whose flavors run in the cross-flavor
tests (those taking a ``flavor`` fixture or parameter). Naming paths on the command line runs
them all, whatever the variables say.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from support.held import over_scm_rights

from unixsocket_testutils import connected_server

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


@pytest.fixture
def held() -> Iterator[socket.socket]:
    """A connected socket whose other end a child process serves (the demo application),
    received as a program receives one: its descriptor passed over SCM_RIGHTS."""
    with connected_server() as sock:
        received = over_scm_rights(sock)
        yield received
        received.close()  # the client owns it: this only ends a test that failed early


TESTS = Path(__file__).resolve().parent
SUITES_VARIABLE = "TEST_SUITES"
FLAVORS_VARIABLE = "TEST_FLAVORS"


def limit(config: pytest.Config, variable: str) -> list[str] | None:
    """The names *variable* lists, when this run is of the whole tree; else None (no limit)."""
    value = os.environ.get(variable)
    whole_tree = [Path(arg).resolve() for arg in config.args] == [TESTS]
    return value.split() if value is not None and whole_tree else None


def flavor_library(item: pytest.Item) -> str | None:
    """The client library of the ``flavor`` a test runs with (``httpx`` for ``httpx-trio``)."""
    callspec = getattr(item, "callspec", None)
    flavor = None if callspec is None else callspec.params.get("flavor")
    return None if flavor is None else str(flavor).split("-")[0]


def pytest_configure(config: pytest.Config) -> None:
    unknown = [name for name in limit(config, SUITES_VARIABLE) or [] if not (TESTS / name).is_dir()]
    if unknown:
        raise pytest.UsageError(f"{SUITES_VARIABLE} names no folder of tests/: {unknown}")


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"{what} ({variable}, what this environment's pins affect): {' '.join(names)}"
        for what, variable in (("suites", SUITES_VARIABLE), ("flavors", FLAVORS_VARIABLE))
        if (names := limit(config, variable)) is not None
    ]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    suites = limit(config, SUITES_VARIABLE)
    if suites is None or collection_path.parent != TESTS or not collection_path.is_dir():
        return None
    if collection_path.name.startswith("test_") and collection_path.name not in suites:
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    flavors = limit(config, FLAVORS_VARIABLE)
    if flavors is None:
        return
    libraries = [flavor_library(item) for item in items]
    unknown = sorted(set(flavors) - set(libraries)) if any(libraries) else []
    if unknown:
        raise pytest.UsageError(f"{FLAVORS_VARIABLE} names no library of a flavor: {unknown}")
    keep = [library is None or library in flavors for library in libraries]
    config.hook.pytest_deselected(items=[item for item, k in zip(items, keep) if not k])
    items[:] = [item for item, k in zip(items, keep) if k]
