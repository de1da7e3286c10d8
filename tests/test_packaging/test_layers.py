"""The layering rules, read from the installed workspace members' own metadata.

unixsocket-url depends on nothing; the test server brings no client library; the requests flavor
never pulls httpx, and the httpx flavor never pulls requests or urllib3.
"""

from __future__ import annotations

import os
from importlib.metadata import distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# distribution -> libraries that must never be in its dependency closure
FORBIDDEN = {
    "unixsocket-url": {"*"},
    "unixsocket-testutils": {"requests", "httpx", "urllib3", "httpcore", "pytest"},
    "urllib3-unixsocket": {"requests", "httpx", "httpcore"},
    "requests-unixsocket": {"httpx", "httpcore"},
    "httpx-unixsocket": {"requests", "urllib3"},
    "httpx2-unixsocket": {"requests", "urllib3", "httpx", "httpcore"},
}
NEEDS_PYTHON_3_11 = {"httpx2-unixsocket"}
"""Installed only in the environments that test them (Python >= 3.11)."""


def _closure(name: str) -> set[str]:
    """Every distribution *name* pulls in here (markers evaluated, extras not followed)."""
    seen: set[str] = set()
    pending = [name]
    while pending:
        for text in distribution(pending.pop()).requires or []:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            dependency = canonicalize_name(requirement.name)
            if dependency not in seen:
                seen.add(dependency)
                pending.append(dependency)
    return seen


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependency_closure_respects_the_layers(package: str) -> None:
    if package in NEEDS_PYTHON_3_11 and os.environ.get("UNIXSOCKET_HTTPX") != "httpx2":
        pytest.skip(f"{package} is installed in the httpx2 environments only")
    closure = _closure(package)
    forbidden = FORBIDDEN[package]
    if forbidden == {"*"}:
        assert closure == set()
    else:
        assert not closure & forbidden, f"{package} pulls {sorted(closure & forbidden)}"


PACKAGES = Path(__file__).resolve().parents[2] / "packages"


@pytest.mark.parametrize("folder", sorted(p.name for p in PACKAGES.iterdir() if p.is_dir()))
def test_every_package_has_its_parts(folder: str) -> None:
    package = PACKAGES / folder
    source = package / "src" / folder.replace("-", "_")
    for part in ("pyproject.toml", "README.md"):
        assert (package / part).is_file(), f"{folder} has no {part}"
    for part in ("__init__.py", "py.typed"):
        assert (source / part).is_file(), f"{folder} has no src/{source.name}/{part}"
    assert folder in FORBIDDEN, f"{folder} is not in the layering table of this test"
