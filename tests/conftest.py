"""Fixtures every suite may use: a private socket directory (scripted servers come from the
unixsocket-testutils plugin: ``scripted_server_factory``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

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
