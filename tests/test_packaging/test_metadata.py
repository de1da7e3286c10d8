"""Each distribution's metadata is complete, and its dependencies match what its code imports.

Static: the pyproject.toml files and an ``ast`` walk over ``packages/*/src``. Building the wheels
and installing each one alone in a fresh virtual environment is ``scripts/check-packages``.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.metadata
import importlib.util
import re
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    tomllib = pytest.importorskip("tomli", reason="tomllib is Python 3.11+; tomli not installed")

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTIONS = {
    "unixsocket-url": "unixsocket_url",
    "unixsocket-testutils": "unixsocket_testutils",
    "urllib3-unixsocket": "urllib3_unixsocket",
    "requests-unixsocket": "requests_unixsocket",
    "httpx-unixsocket": "httpx_unixsocket",
}
PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
# Imports a distribution may make without declaring them, and why.
UNDECLARED_OK = {
    (
        "unixsocket-testutils",
        "pytest",
    ): "pytest_plugin is loaded by pytest, through the entry point",
    ("unixsocket-testutils", "_typeshed"): "typing only (under TYPE_CHECKING), from typeshed",
    ("urllib3-unixsocket", "_typeshed"): "typing only (under TYPE_CHECKING), from typeshed",
    ("requests-unixsocket", "_typeshed"): "typing only (under TYPE_CHECKING), from typeshed",
    ("httpx-unixsocket", "_typeshed"): "typing only (under TYPE_CHECKING), from typeshed",
}


LOADED_UNDERNEATH = {
    ("httpx-unixsocket", "sniffio"): "imported by httpcore for every async lock it makes",
}
"""Required dependencies the distribution's own code does not import: the libraries under it do."""


def project(dist: str) -> dict[str, Any]:
    with open(ROOT / "packages" / dist / "pyproject.toml", "rb") as file:
        data: dict[str, Any] = tomllib.load(file)["project"]
    return data


def requirements(dist: str) -> list[Requirement]:
    data = project(dist)
    extras = data.get("optional-dependencies", {})
    return [
        Requirement(r) for r in [*data["dependencies"], *(r for e in extras.values() for r in e)]
    ]


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_metadata_is_complete(dist: str) -> None:
    data = project(dist)
    assert data["name"] == dist
    assert "version" not in data
    assert data["dynamic"] == ["version"]
    assert 30 < len(data["description"]) <= 120
    assert "\n" not in data["description"]
    assert data["readme"] == "README.md"
    assert (ROOT / "packages" / dist / "README.md").is_file()
    assert (ROOT / "packages" / dist / "CHANGELOG.md").is_file()
    assert data["requires-python"] == ">=3.9"
    assert data["license"] == "MIT"
    assert data["authors"]
    assert data["keywords"]
    classifiers = set(data["classifiers"])
    assert "Typing :: Typed" in classifiers
    assert "Operating System :: POSIX" in classifiers
    assert "Programming Language :: Python :: 3 :: Only" in classifiers
    assert {
        c for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    } == {f"Programming Language :: Python :: {v}" for v in PYTHONS}
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    assert not any(c.startswith("License :: ") for c in classifiers)  # PEP 639: the expression
    urls = data["urls"]
    assert {"Homepage", "Documentation", "Source", "Issues", "Changelog"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())


def test_project_urls_agree() -> None:
    """One repository and one documentation site for the whole family."""
    for key in ("Homepage", "Documentation", "Issues"):
        assert len({project(dist)["urls"][key] for dist in DISTRIBUTIONS}) == 1, key


def hatch_version_path(dist: str) -> str:
    with open(ROOT / "packages" / dist / "pyproject.toml", "rb") as file:
        path: str = tomllib.load(file)["tool"]["hatch"]["version"]["path"]
    return path


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_typed_marker_and_one_version_source(dist: str) -> None:
    """The version is written once, as ``__version__`` in the package's ``__init__.py``: Hatch
    reads it from there into the metadata, so the installed metadata and the module agree."""
    module = DISTRIBUTIONS[dist]
    assert (ROOT / "packages" / dist / "src" / module / "py.typed").is_file()
    assert hatch_version_path(dist) == f"src/{module}/__init__.py"
    assert importlib.import_module(module).__version__ == importlib.metadata.version(dist)


def test_one_release_line() -> None:
    """Every distribution carries the same version; the requests flavor's is above the last
    published requests-unixsocket (0.4.1), or ``pip install -U`` and any dependent's
    ``requests-unixsocket>=0.1.5`` would put that one back."""
    versions = {importlib.metadata.version(dist) for dist in DISTRIBUTIONS}
    assert len(versions) == 1, versions
    assert Version(importlib.metadata.version("requests-unixsocket")) > Version("0.4.1")


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_sibling_pins(dist: str) -> None:
    """Siblings are pinned to the release line's major series from its current minor:
    ``>=1.0,<2`` (they use only each other's public names; see below)."""
    release = Version(importlib.metadata.version(dist))
    expected = f"<{release.major + 1},>={release.major}.{release.minor}"
    for requirement in requirements(dist):
        if canonicalize_name(requirement.name) in DISTRIBUTIONS:
            assert str(requirement.specifier) == expected, requirement


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_siblings_use_only_public_names(dist: str) -> None:
    """No ``sibling._private`` import: what the ``<2`` pins rely on."""
    siblings = set(DISTRIBUTIONS.values()) - {DISTRIBUTIONS[dist]}
    for path in (ROOT / "packages" / dist / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            for name in names:
                parts = name.split(".")
                assert not (parts[0] in siblings and any(p.startswith("_") for p in parts)), (
                    f"{path.name} imports {name}"
                )


def imported_modules(dist: str) -> set[str]:
    """Top-level names imported anywhere in the distribution's source (absolute imports)."""
    names: set[str] = set()
    for path in (ROOT / "packages" / dist / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - {"__future__"}


def is_stdlib(module: str) -> bool:
    if module in sys.builtin_module_names:
        return True
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return False
    if spec.origin == "frozen":
        return True
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    origin = Path(spec.origin).resolve()
    return stdlib in origin.parents and "site-packages" not in origin.parts


def providers(module: str) -> set[str]:
    """The distributions (canonical names) that install *module*."""
    if module in DISTRIBUTIONS.values():
        return {canonicalize_name(d) for d, m in DISTRIBUTIONS.items() if m == module}
    return top_level_names().get(module, set())


@functools.cache
def top_level_names() -> dict[str, set[str]]:
    """Import name -> distributions (``packages_distributions``, which Python 3.9 lacks)."""
    names: dict[str, set[str]] = {}
    for distribution in importlib.metadata.distributions():
        top = {
            Path(str(file)).parts[0].removesuffix(".py")
            for file in distribution.files or []
            if not Path(str(file)).parts[0].endswith((".dist-info", ".data", ".pth"))
        }
        for name in top:
            names.setdefault(name, set()).add(canonicalize_name(distribution.metadata["Name"]))
    return names


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_declared_dependencies_match_imports(dist: str) -> None:
    declared = {canonicalize_name(r.name) for r in requirements(dist)}
    own = DISTRIBUTIONS[dist]
    used: set[str] = set()
    undeclared = []
    for module in sorted(imported_modules(dist) - {own}):
        if (dist, module) in UNDECLARED_OK or is_stdlib(module):
            continue
        found = providers(module)
        assert found, f"{dist} imports {module!r}, which no installed distribution provides"
        if found & declared:
            used |= found & declared
        else:
            undeclared.append(f"{module} (from {', '.join(sorted(found))})")
    assert not undeclared, f"{dist} imports undeclared dependencies: {undeclared}"
    # every required dependency is imported (extras such as [trio] or [http2] install backends
    # that the libraries underneath load by themselves)
    required = {canonicalize_name(Requirement(r).name) for r in project(dist)["dependencies"]}
    unused = required - used - {name for d, name in LOADED_UNDERNEATH if d == dist}
    assert not unused, f"{dist} declares dependencies its code never imports: {sorted(unused)}"
