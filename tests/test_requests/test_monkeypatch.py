"""monkeypatch: requests.get & co. speak UNIX sockets inside, and only there."""

from __future__ import annotations

from typing import Any

import pytest
import requests

import requests_unixsocket
from requests_unixsocket import monkeypatch
from unixsocket_testutils import UnixSocketServerThread

NAMES = ("request", "get", "head", "post", "put", "patch", "delete", "options")


def _originals() -> dict[str, Any]:
    return {name: getattr(requests, name) for name in NAMES}


def test_context_manager_patches_and_restores(unix_server: UnixSocketServerThread) -> None:
    before = _originals()
    url = unix_server.url_for("/patched")
    with monkeypatch():
        assert all(getattr(requests, name) is not before[name] for name in NAMES)
        assert requests.get(url).text == "Hello world!"
        assert requests.post(url, json={"a": 1}).status_code == 200
        assert requests.put(url, data="x").status_code == 200
        assert requests.patch(url, data="x").status_code == 200
        assert requests.delete(url).status_code == 200
        assert requests.options(url).status_code == 200
        assert requests.head(url).status_code == 200
        assert requests.request("GET", url).status_code == 200
    assert _originals() == before
    with pytest.raises(requests.exceptions.InvalidSchema):
        requests.get(url)
    assert [seen.method for seen in unix_server.requests] == [
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "OPTIONS",
        "HEAD",
        "GET",
    ]


def test_restores_when_the_block_raises() -> None:
    before = _originals()
    with pytest.raises(KeyError), monkeypatch():
        raise KeyError("boom")
    assert _originals() == before


def test_called_plainly_patches_until_restored(unix_server: UnixSocketServerThread) -> None:
    before = _originals()
    patch = monkeypatch()
    try:
        assert requests.get(unix_server.url_for("/for-good")).status_code == 200
        assert patch.orig_methods == before
    finally:
        patch.__exit__(None, None, None)
    assert _originals() == before


def test_url_scheme_is_honoured(unix_server: UnixSocketServerThread) -> None:
    url = unix_server.url_for("/custom").replace("http+unix://", "http+docker://")
    with monkeypatch("http+docker://") as patch:
        assert patch.url_scheme == "http+docker://"
        assert requests.get(url).status_code == 200
    assert unix_server.requests[0].target == "/custom"
    with pytest.raises(requests.exceptions.InvalidSchema):
        requests.get(url)


def test_sessions_made_elsewhere_are_untouched(unix_server: UnixSocketServerThread) -> None:
    with monkeypatch(), requests.Session() as session:
        with pytest.raises(requests.exceptions.InvalidSchema):
            session.get(unix_server.url_for("/"))
        assert requests.get is requests_unixsocket.get
    assert unix_server.accepted_connections == 0


def test_head_keeps_requests_default_of_not_following(unix_server_factory: Any) -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("302 Found", [("Location", "/elsewhere"), ("Content-Length", "0")])
        return []

    server = unix_server_factory(app)
    with monkeypatch():
        assert requests.head(server.url_for("/")).status_code == 302
    assert len(server.requests) == 1
