"""Checks the built distributions in dist/: contents, metadata, and a lone install of each.

Run by ``scripts/check-packages`` after ``hatch build --all``. Argument: the Python version of
the fresh virtual environments (default 3.9, the oldest supported).
"""

from __future__ import annotations

import ast
import email.parser
import json
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


def fail(message: str) -> NoReturn:
    raise SystemExit(f"check-packages: {message}")


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
    uv = shutil.which("uv")
    if uv is None:
        fail("uv not found (it comes with Hatch: run through scripts/check-packages)")
    with tempfile.TemporaryDirectory(prefix="check-packages-") as directory:
        venv = Path(directory) / "venv"
        run([uv, "venv", "--quiet", "--python", python, str(venv)])
        env_python = str(venv / "bin" / "python")
        run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                env_python,
                "--find-links",
                str(DIST),
                # uv caches a local wheel by its file name: a rebuilt 1.0.0 would be replaced
                # by the one cached from an earlier build. Our packages are always read afresh.
                *(f"--refresh-package={sibling}" for sibling in PACKAGES),
                str(wheel),
            ]
        )
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


def run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        fail(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def main() -> int:
    python = sys.argv[1] if len(sys.argv) > 1 else "3.9"
    expected = {f"{m}-{VERSION}-py3-none-any.whl" for m in PACKAGES.values()}
    expected |= {f"{m}-{VERSION}.tar.gz" for m in PACKAGES.values()}
    found = {p.name for p in DIST.iterdir()}
    if found != expected:
        fail(f"dist/ holds {sorted(found)}, expected {sorted(expected)}")
    for name, module in PACKAGES.items():
        check_sdist(name, module)
        install_alone(name, module, check_wheel(name, module), python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
