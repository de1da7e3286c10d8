"""Module-level functions like ``requests.get``, and the monkeypatch that installs them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests

from ._session import Session
from ._urls import DEFAULT_SCHEME

if TYPE_CHECKING:
    from types import TracebackType

METHODS = ("request", "get", "head", "post", "patch", "put", "delete", "options")
"""The functions of the ``requests`` module that :class:`monkeypatch` replaces."""


class _Functions:
    """``requests``' module-level functions, sending through a :class:`Session` for a scheme."""

    def __init__(self, url_scheme: str = DEFAULT_SCHEME) -> None:
        self.url_scheme = url_scheme

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        with Session(self.url_scheme) as session:
            return session.request(method=method, url=url, **kwargs)

    def get(self, url: str, params: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("get", url, params=params, **kwargs)

    def options(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("options", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.request("head", url, **kwargs)

    def post(
        self, url: str, data: Any = None, json: Any = None, **kwargs: Any
    ) -> requests.Response:
        return self.request("post", url, data=data, json=json, **kwargs)

    def put(self, url: str, data: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("put", url, data=data, **kwargs)

    def patch(self, url: str, data: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("patch", url, data=data, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("delete", url, **kwargs)


_default = _Functions()


def request(method: str, url: str, **kwargs: Any) -> requests.Response:
    """Like :func:`requests.request`, UNIX-socket URLs included (a new :class:`Session`)."""
    return _default.request(method, url, **kwargs)


def get(url: str, params: Any = None, **kwargs: Any) -> requests.Response:
    """Like :func:`requests.get` (redirects followed)."""
    return _default.get(url, params=params, **kwargs)


def options(url: str, **kwargs: Any) -> requests.Response:
    """Like :func:`requests.options`."""
    return _default.options(url, **kwargs)


def head(url: str, **kwargs: Any) -> requests.Response:
    """Like :func:`requests.head` (redirects not followed unless ``allow_redirects=True``)."""
    return _default.head(url, **kwargs)


def post(url: str, data: Any = None, json: Any = None, **kwargs: Any) -> requests.Response:
    """Like :func:`requests.post`."""
    return _default.post(url, data=data, json=json, **kwargs)


def put(url: str, data: Any = None, **kwargs: Any) -> requests.Response:
    """Like :func:`requests.put`."""
    return _default.put(url, data=data, **kwargs)


def patch(url: str, data: Any = None, **kwargs: Any) -> requests.Response:
    """Like :func:`requests.patch`."""
    return _default.patch(url, data=data, **kwargs)


def delete(url: str, **kwargs: Any) -> requests.Response:
    """Like :func:`requests.delete`."""
    return _default.delete(url, **kwargs)


_MODULE_FUNCTIONS = {
    "request": request,
    "get": get,
    "head": head,
    "post": post,
    "patch": patch,
    "put": put,
    "delete": delete,
    "options": options,
}


class monkeypatch:  # noqa: N801 - the name requests-unixsocket users import
    """Make ``requests.get`` & co. speak UNIX sockets.

    ``with monkeypatch():`` patches ``requests.request``, ``get``, ``head``, ``post``, ``put``,
    ``patch``, ``delete`` and ``options`` for the block and restores every one on exit, also
    when the block raises. ``monkeypatch()`` on its own patches for good. *url_scheme* is the
    URL prefix the functions handle as UNIX sockets (``https+unix://`` always works). Only
    these module functions change: ``requests.Session()`` objects are left alone.
    """

    methods = METHODS

    def __init__(self, url_scheme: str = DEFAULT_SCHEME) -> None:
        self.url_scheme = url_scheme
        self.orig_methods = {name: getattr(requests, name) for name in METHODS}
        functions: Any = _default if url_scheme == DEFAULT_SCHEME else _Functions(url_scheme)
        for name in METHODS:
            replacement = (
                _MODULE_FUNCTIONS[name] if functions is _default else getattr(functions, name)
            )
            setattr(requests, name, replacement)

    def __enter__(self) -> monkeypatch:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for name, original in self.orig_methods.items():
            setattr(requests, name, original)
