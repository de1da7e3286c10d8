"""Public classes and functions show their public module (in reprs, tracebacks, pickles)."""

from __future__ import annotations

import importlib
import inspect
import pickle

import pytest

PACKAGES = ["unixsocket_url", "urllib3_unixsocket", "requests_unixsocket", "unixsocket_testutils"]


@pytest.mark.parametrize("package", PACKAGES)
def test_exports_name_their_public_module(package: str) -> None:
    module = importlib.import_module(package)
    shown = {
        name: obj.__module__
        for name in module.__all__
        if inspect.isclass(obj := getattr(module, name)) or inspect.isfunction(obj)
    }
    assert shown
    assert {name: where for name, where in shown.items() if where != package} == {}


def test_an_exception_pickles_by_its_public_name() -> None:
    import urllib3_unixsocket

    error = urllib3_unixsocket.SocketAccessDenied("denied", "/run/app.sock")
    assert repr(type(error)) == "<class 'urllib3_unixsocket.SocketAccessDenied'>"
    assert b"urllib3_unixsocket\nSocketAccessDenied" in pickle.dumps(error, protocol=0)
    assert str(pickle.loads(pickle.dumps(error))) == "denied"
