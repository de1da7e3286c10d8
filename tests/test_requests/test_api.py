"""The public API of requests-unixsocket, name for name and signature for signature."""

from __future__ import annotations

import inspect

import requests
import requests.adapters

import requests_unixsocket
import unixsocket_testutils
from requests_unixsocket.testutils import UnixSocketServerThread


def test_default_scheme() -> None:
    assert requests_unixsocket.DEFAULT_SCHEME == "http+unix://"


def test_seed_signatures() -> None:
    def params(obj: object) -> list[tuple[str, object]]:
        return [
            (p.name, p.default)
            for p in inspect.signature(obj).parameters.values()  # type: ignore[arg-type]
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY)
        ]

    assert params(requests_unixsocket.Session) == [("url_scheme", "http+unix://")]
    assert params(requests_unixsocket.UnixAdapter) == [("timeout", 60), ("pool_connections", 25)]
    assert params(requests_unixsocket.monkeypatch) == [("url_scheme", "http+unix://")]
    assert params(requests_unixsocket.request)[:2] == [
        ("method", inspect.Parameter.empty),
        ("url", inspect.Parameter.empty),
    ]
    assert params(requests_unixsocket.post) == [
        ("url", inspect.Parameter.empty),
        ("data", None),
        ("json", None),
    ]
    for name in ("get", "head", "put", "patch", "delete", "options"):
        assert params(getattr(requests_unixsocket, name))[0][0] == "url"


def test_classes() -> None:
    assert issubclass(requests_unixsocket.Session, requests.Session)
    assert issubclass(requests_unixsocket.UnixAdapter, requests.adapters.HTTPAdapter)
    assert issubclass(requests_unixsocket.RedirectRefused, requests.RequestException)
    adapter = requests_unixsocket.UnixAdapter()
    assert adapter.timeout == 60
    assert adapter._pool_connections == 25
    assert adapter._pool_maxsize == requests.adapters.DEFAULT_POOLSIZE == 10
    for method in ("get_connection", "get_connection_with_tls_context", "request_url", "close"):
        assert callable(getattr(adapter, method))
    adapter.close()


def test_testutils_reexports_the_shared_server() -> None:
    assert UnixSocketServerThread is unixsocket_testutils.UnixSocketServerThread


def test_seed_testutils_example() -> None:
    with UnixSocketServerThread() as server:
        session = requests_unixsocket.Session()
        socket_path = requests.compat.quote_plus(server.usock)
        url = f"http+unix://{socket_path}/test/endpoint"
        response = session.get(url)
        assert response.status_code == 200
        assert response.text == "Hello world!"
        session.close()
