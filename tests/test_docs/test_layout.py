"""The README's layout section names every package and every folder of tests/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def layout() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"^## Layout\n\n```\n(.*?)^```$", readme, re.MULTILINE | re.DOTALL)
    assert match is not None, "README.md has no layout block"
    return match[1]


def test_layout_names_every_package_and_test_folder() -> None:
    named = set(re.findall(r"[\w-]+/", layout()))
    folders = {f"{p.name}/" for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name[0] != "_"}
    packages = {f"{p.name}/" for p in (ROOT / "packages").iterdir() if p.is_dir()}
    assert folders - named == set()
    assert packages - named == set()
