"""Checks the built distributions in dist/: contents, metadata, and a lone install of each.

Run by ``scripts/check-packages`` after ``hatch build --all``. Argument: the Python version of
the fresh virtual environments (default 3.9, the oldest supported; a distribution that needs a
newer one, httpx2-unixsocket, gets its own oldest). A lone install must not bring the other
flavor's client library (FORBIDDEN).
"""

from __future__ import annotations

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
    "httpx2-unixsocket": "httpx2_unixsocket",
}
VERSION = "0.1.0"
VERSIONS = {"httpx2-unixsocket": "1.0.0"}
"""Distributions not at VERSION."""
OLDEST_PYTHON = {"httpx2-unixsocket": "3.11"}
"""Distributions that need a newer Python than the default 3.9 (httpx2 requires 3.11)."""
FORBIDDEN = {
    "requests-unixsocket": {"httpx", "httpcore", "httpx2", "httpcore2"},
    "httpx-unixsocket": {"requests", "urllib3", "httpx2", "httpcore2"},
    "httpx2-unixsocket": {"requests", "urllib3", "httpx", "httpcore"},
}
"""Distributions a lone install of each must not bring."""


def version_of(name: str) -> str:
    return VERSIONS.get(name, VERSION)


def fail(message: str) -> NoReturn:
    raise SystemExit(f"check-packages: {message}")


def check_wheel(name: str, module: str) -> Path:
    version = version_of(name)
    wheels = list(DIST.glob(f"{module}-{version}-py3-none-any.whl"))
    if len(wheels) != 1:
        fail(f"expected one wheel for {name} in dist/, found {wheels}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        info = f"{module}-{version}.dist-info"
        for required in (f"{module}/__init__.py", f"{module}/py.typed", f"{info}/METADATA"):
            if required not in names:
                fail(f"{wheels[0].name} lacks {required}")
        stray = sorted(n for n in names if not n.startswith((f"{module}/", f"{info}/")))
        if stray:
            fail(f"{wheels[0].name} holds files outside its package: {stray}")
        metadata = email.parser.Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
    oldest = OLDEST_PYTHON.get(name, "3.9")
    expected = {"Name": name, "Version": version, "Requires-Python": f">={oldest}"}
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
    sdists = list(DIST.glob(f"{module}-{version_of(name)}.tar.gz"))
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
                # uv caches a local wheel by its file name: a rebuilt 0.1.0 would be replaced
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
            "installed = sorted(d.metadata['Name'].lower() for d in m.distributions())\n"
            "print(json.dumps([mod.__version__, siblings, installed]))\n"
        )
        out = run([env_python, "-c", probe])
        run([uv, "pip", "check", "--quiet", "--python", env_python])
    version, siblings, installed = json.loads(out)
    if version != version_of(name) or any(
        v != version_of(sibling) for sibling, (v, _) in siblings.items()
    ):
        fail(f"{name}: a sibling did not come from dist/: {siblings}")
    pulled = FORBIDDEN.get(name, set()) & set(installed)
    if pulled:
        fail(f"{name}: a lone install brings {sorted(pulled)}")
    for sibling, (_, installed) in siblings.items():
        built = wheel_hashes(PACKAGES[sibling], version_of(sibling))
        stale = sorted(path for path, digest in built.items() if installed.get(path) != digest)
        if stale:
            fail(f"{name}: the installed {sibling} is not the one in dist/ (differs: {stale})")
    without = f", without {sorted(FORBIDDEN[name])}" if name in FORBIDDEN else ""
    print(f"ok  {wheel.name:<45} alone in Python {python}, with {sorted(siblings)}{without}")


def wheel_hashes(module: str, version: str) -> dict[str, str]:
    """The package files' sha256 digests, as the wheel in dist/ records them."""
    wheel = DIST / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        record = archive.read(f"{module}-{version}.dist-info/RECORD").decode()
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
    expected = {f"{m}-{version_of(n)}-py3-none-any.whl" for n, m in PACKAGES.items()}
    expected |= {f"{m}-{version_of(n)}.tar.gz" for n, m in PACKAGES.items()}
    found = {p.name for p in DIST.iterdir()}
    if found != expected:
        fail(f"dist/ holds {sorted(found)}, expected {sorted(expected)}")
    for name, module in PACKAGES.items():
        check_sdist(name, module)
        oldest = OLDEST_PYTHON.get(name, python)
        newer = max(python, oldest, key=lambda v: tuple(map(int, v.split("."))))
        install_alone(name, module, check_wheel(name, module), newer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
