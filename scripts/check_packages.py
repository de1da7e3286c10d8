"""Checks the built distributions in dist/ (contents, metadata, a lone install of each), and
installs a flavor from built wheels: one install procedure for both.

``check_packages.py [PYTHON]``: run by ``scripts/check-packages`` after ``hatch build --all``;
PYTHON is the version of the fresh virtual environments (default 3.9, the oldest supported).
Each wheel is installed with :func:`install`, then ``scripts/install`` itself is run for each
client flavor in a fresh virtual environment.

``check_packages.py install --python PATH [--dist DIR] CHOICE...``: run by ``scripts/install``.
"""

from __future__ import annotations

import argparse
import ast
import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
PACKAGES = {
    "unixsocket-url": "unixsocket_url",
    "unixsocket-testutils": "unixsocket_testutils",
    "urllib3-unixsocket": "urllib3_unixsocket",
    "requests-unixsocket": "requests_unixsocket",
    "httpx-unixsocket": "httpx_unixsocket",
}


def release_version() -> str:
    """The release line's version: ``__version__`` in every package's ``__init__.py`` (the one
    source Hatch builds the metadata from), the same in all of them."""
    versions = set()
    for name, module in PACKAGES.items():
        init = ROOT / "packages" / name / "src" / module / "__init__.py"
        for node in ast.parse(init.read_text()).body:
            if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__version__":
                versions.add(ast.literal_eval(node.value))
    if len(versions) != 1:
        raise SystemExit(f"check-packages: expected one version for all packages, got {versions}")
    return str(versions.pop())


VERSION = release_version()


PROGRAM = ["check-packages"]
"""The name errors start with: ``install`` when run by ``scripts/install``."""


def fail(message: str) -> NoReturn:
    raise SystemExit(f"{PROGRAM[0]}: {message}")


def check_wheel(name: str, module: str) -> Path:
    wheels = list(DIST.glob(f"{module}-{VERSION}-py3-none-any.whl"))
    if len(wheels) != 1:
        fail(f"expected one wheel for {name} in dist/, found {wheels}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        info = f"{module}-{VERSION}.dist-info"
        for required in (f"{module}/__init__.py", f"{module}/py.typed", f"{info}/METADATA"):
            if required not in names:
                fail(f"{wheels[0].name} lacks {required}")
        stray = sorted(n for n in names if not n.startswith((f"{module}/", f"{info}/")))
        if stray:
            fail(f"{wheels[0].name} holds files outside its package: {stray}")
        metadata = email.parser.Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
    expected = {"Name": name, "Version": VERSION, "Requires-Python": ">=3.9"}
    for field, value in expected.items():
        if metadata[field] != value:
            fail(f"{name}: {field} is {metadata[field]!r}, expected {value!r}")
    if metadata["License-Expression"] != "MIT" or not metadata["Summary"]:
        fail(f"{name}: no license expression or summary")
    if "Typing :: Typed" not in metadata.get_all("Classifier", []):
        fail(f"{name}: no 'Typing :: Typed' classifier")
    if len(metadata.get_all("Project-URL", [])) < 5:
        fail(f"{name}: project URLs missing")
    if metadata["Description-Content-Type"] != "text/markdown":
        fail(f"{name}: the README is not the long description")
    return wheels[0]


def check_sdist(name: str, module: str) -> None:
    sdists = list(DIST.glob(f"{module}-{VERSION}.tar.gz"))
    if len(sdists) != 1:
        fail(f"expected one sdist for {name} in dist/, found {sdists}")
    with tarfile.open(sdists[0]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for required in ("pyproject.toml", "README.md", "CHANGELOG.md", f"src/{module}/py.typed"):
        if required not in names:
            fail(f"{sdists[0].name} lacks {required}")


def install_alone(name: str, module: str, wheel: Path, python: str) -> None:
    """A fresh venv, this wheel, siblings only from dist/ (checked), then import it."""
    uv = uv_path()
    with tempfile.TemporaryDirectory(prefix="check-packages-") as directory:
        venv = Path(directory) / "venv"
        run([uv, "venv", "--quiet", "--python", python, str(venv)])
        env_python = str(venv / "bin" / "python")
        install([name], env_python)
        probe = (
            "import importlib, importlib.metadata as m, json, sys\n"
            f"mod = importlib.import_module({module!r})\n"
            "siblings = {d.metadata['Name']: [d.version, {str(f): f.hash.value\n"
            "            for f in d.files or () if f.hash}] for d in m.distributions()\n"
            f"            if d.metadata['Name'] in {sorted(PACKAGES)!r}}}\n"
            "print(json.dumps([mod.__version__, siblings]))\n"
        )
        out = run([env_python, "-c", probe])
        run([uv, "pip", "check", "--quiet", "--python", env_python])
    version, siblings = json.loads(out)
    if version != VERSION or any(v != VERSION for v, _ in siblings.values()):
        fail(f"{name}: a sibling did not come from dist/: {siblings}")
    for sibling, (_, installed) in siblings.items():
        built = wheel_hashes(PACKAGES[sibling])
        stale = sorted(path for path, digest in built.items() if installed.get(path) != digest)
        if stale:
            fail(f"{name}: the installed {sibling} is not the one in dist/ (differs: {stale})")
    print(f"ok  {wheel.name:<45} alone in Python {python}, with {sorted(siblings)}")


def wheel_hashes(module: str) -> dict[str, str]:
    """The package files' sha256 digests, as the wheel in dist/ records them."""
    wheel = DIST / f"{module}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        record = archive.read(f"{module}-{VERSION}.dist-info/RECORD").decode()
    rows = (line.split(",") for line in record.splitlines() if line)
    return {
        path: digest.removeprefix("sha256=")
        for path, digest, _ in rows
        if path.startswith(f"{module}/")
    }


FLAVORS = [name for name in PACKAGES if name.endswith("-unixsocket")]
"""The client flavors (``requests``, ``httpx``...): ``scripts/install`` is checked with each."""
_CHOICE = re.compile(r"([A-Za-z0-9._-]+)(\[[A-Za-z0-9._,-]+\])?\Z")


def distribution(choice: str) -> tuple[str, str]:
    """The distribution and extras *choice* names: ``requests`` or ``requests-unixsocket``,
    ``url`` or ``unixsocket-url``, ``httpx[http2]``."""
    match = _CHOICE.match(choice)
    name = match.group(1).lower().replace("_", "-") if match else ""
    for candidate in (name, f"{name}-unixsocket", f"unixsocket-{name}"):
        if match and candidate in PACKAGES:
            return candidate, match.group(2) or ""
    short = [n.removesuffix("-unixsocket").removeprefix("unixsocket-") for n in PACKAGES]
    fail(f"unknown package {choice!r}: choose from {', '.join(short)} (or a distribution name)")


def siblings_required(name: str, dist: Path) -> set[str]:
    """The sibling distributions *name*'s wheel in *dist* requires, and theirs (not extras')."""
    found: set[str] = set()
    pending = [name]
    while pending:
        module = PACKAGES[pending.pop()]
        wheel = dist / f"{module}-{VERSION}-py3-none-any.whl"
        if not wheel.is_file():
            fail(f"no {wheel.name} in {dist}")
        with zipfile.ZipFile(wheel) as archive:
            metadata = archive.read(f"{module}-{VERSION}.dist-info/METADATA").decode()
        for requirement in email.parser.Parser().parsestr(metadata).get_all("Requires-Dist", []):
            required = re.split(r"[^A-Za-z0-9._-]", requirement, maxsplit=1)[0].lower()
            if required in PACKAGES and "extra ==" not in requirement and required not in found:
                found.add(required)
                pending.append(required)
    return found


def install(choices: list[str], python: str, dist: Path = DIST) -> list[str]:
    """Install *choices* (see :func:`distribution`) into the environment of the interpreter
    *python*: our distributions from the wheels in *dist* (the chosen ones and the siblings they
    require, always replacing what is installed), third-party dependencies from the index.
    Returns the distributions installed from *dist*."""
    uv = uv_path()
    extras: dict[str, str] = {}
    for choice in choices:
        name, extra = distribution(choice)
        extras[name] = extra
    ours = sorted(set(extras).union(*(siblings_required(n, dist) for n in extras)))
    wheels = [dist / f"{PACKAGES[n]}-{VERSION}-py3-none-any.whl" for n in ours]
    run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            python,
            # uv caches a local wheel by its name and version: a rebuilt 1.0.0 would be replaced
            # by the one cached from an earlier build, or kept if installed. Read ours afresh.
            *(f"--reinstall-package={n}" for n in ours),
            *(f"{n}{extras.get(n, '')} @ {w.as_uri()}" for n, w in zip(ours, wheels)),
        ]
    )
    return ours


def check_install_command(flavor: str, python: str) -> None:
    """``scripts/install <flavor>`` into a fresh activated venv: the flavor imports, and exactly
    it and its siblings come from this checkout."""
    uv = uv_path()
    short = flavor.removesuffix("-unixsocket")
    with tempfile.TemporaryDirectory(prefix="check-install-") as directory:
        venv = Path(directory) / "venv"
        run([uv, "venv", "--quiet", "--python", python, str(venv)])
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
        env["VIRTUAL_ENV"] = str(venv)
        run([str(ROOT / "scripts" / "install"), short], env=env)
        probe = (
            "import importlib, importlib.metadata as m, json\n"
            f"importlib.import_module({PACKAGES[flavor]!r})\n"
            "print(json.dumps(sorted(d.metadata['Name'] for d in m.distributions()\n"
            f"    if d.metadata['Name'] in {sorted(PACKAGES)!r})))\n"
        )
        installed = json.loads(run([str(venv / "bin" / "python"), "-c", probe]))
        run([uv, "pip", "check", "--quiet", "--python", str(venv / "bin" / "python")])
    expected = sorted({flavor} | siblings_required(flavor, DIST))
    if installed != expected:
        fail(f"scripts/install {short} installed {installed}, expected {expected}")
    print(f"ok  scripts/install {short:<12} in a fresh venv (Python {python}): {installed}")


def check_upgrades_keep_ours(python: str) -> None:
    """With our requests flavor installed, neither ``uv pip install -U requests-unixsocket`` nor a
    dependent's ``requests-unixsocket>=0.1.5`` (pylxd 2.3.4, with its own pins) puts the
    registry's requests-unixsocket 0.4.1 back: our version ranks above it."""
    uv = uv_path()
    with tempfile.TemporaryDirectory(prefix="check-upgrade-") as directory:
        venv = Path(directory) / "venv"
        run([uv, "venv", "--quiet", "--python", python, str(venv)])
        env_python = str(venv / "bin" / "python")
        install(["requests"], env_python)
        for extra in (["--upgrade", "requests-unixsocket"], ["pylxd==2.3.4"]):
            run([uv, "pip", "install", "--quiet", "--python", env_python, *extra])
        probe = "import importlib.metadata as m; print(m.version('requests-unixsocket'))"
        version = run([env_python, "-c", probe]).strip()
    if version != VERSION:
        fail(f"an upgrade or pylxd 2.3.4 replaced requests-unixsocket {VERSION} by {version}")
    print(f"ok  requests-unixsocket {VERSION} stays through -U and pylxd 2.3.4's requirement")


def uv_path() -> str:
    uv = shutil.which("uv")
    if uv is None:
        fail("uv not found (it comes with Hatch: run through scripts/check-packages or install)")
    return uv


def run(command: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        fail(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def main(argv: list[str]) -> int:
    if argv[:1] == ["install"]:
        PROGRAM[0] = "scripts/install"
        parser = argparse.ArgumentParser(prog="scripts/install")
        parser.add_argument("--python", required=True, help="the target environment's python")
        parser.add_argument("--dist", type=Path, default=DIST, help="where the wheels are")
        parser.add_argument("choices", nargs="+", metavar="PACKAGE")
        args = parser.parse_args(argv[1:])
        installed = install(args.choices, args.python, args.dist)
        print(f"installed {', '.join(f'{n} {VERSION}' for n in installed)} into {args.python}")
        return 0
    python = argv[0] if argv else "3.9"
    expected = {f"{m}-{VERSION}-py3-none-any.whl" for m in PACKAGES.values()}
    expected |= {f"{m}-{VERSION}.tar.gz" for m in PACKAGES.values()}
    found = {p.name for p in DIST.iterdir()}
    if found != expected:
        fail(f"dist/ holds {sorted(found)}, expected {sorted(expected)}")
    for name, module in PACKAGES.items():
        check_sdist(name, module)
        install_alone(name, module, check_wheel(name, module), python)
    for flavor in FLAVORS:
        check_install_command(flavor, python)
    check_upgrades_keep_ours(python)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
