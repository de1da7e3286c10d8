"""Session and UnixAdapter through requests' own API: methods, module functions, hooks, auth,
timeouts, retries, mounting, schemes, pickling. Keep-alive and socket names on every flavor are
in tests/test_flavors."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import requests.utils
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

import requests_unixsocket
from requests_unixsocket import Session, UnixAdapter
from unixsocket_testutils import UnixSocketServerThread
from unixsocket_url import build_url

LINUX = sys.platform.startswith("linux")


@pytest.fixture
def session() -> Iterator[Session]:
    with Session() as s:
        yield s


def json_app(environ: Any, start_response: Any) -> list[bytes]:
    """Echo the request as JSON: method, path, query, body, and some headers."""
    body = environ["wsgi.input"].read()
    data = json.dumps(
        {
            "method": environ["REQUEST_METHOD"],
            "path": environ["PATH_INFO"],
            "query": environ["QUERY_STRING"],
            "body": body.decode("latin-1"),
            "content_type": environ.get("CONTENT_TYPE", ""),
            "cookie": environ.get("HTTP_COOKIE"),
            "authorization": environ.get("HTTP_AUTHORIZATION"),
        }
    ).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if environ["PATH_INFO"] == "/set-cookie":
        headers.append(("Set-Cookie", "token=abc; Path=/"))
    start_response("200 OK", headers)
    return [data]


def test_response_url_is_the_socket_url(
    session: Session, unix_server: UnixSocketServerThread
) -> None:
    response = session.get(unix_server.url_for("/v1/info", {"a": "1"}))
    assert response.url == unix_server.url_for("/v1/info", {"a": "1"})


def test_every_method(session: Session, unix_server_factory: Any) -> None:
    server = unix_server_factory(json_app)
    url = server.url_for("/m")
    assert session.post(url, json={"k": [1, 2]}).json()["body"] == '{"k": [1, 2]}'
    assert session.put(url, data=b"raw").json()["body"] == "raw"
    assert session.patch(url, data={"f": "v"}).json()["body"] == "f=v"
    assert session.delete(url).json()["method"] == "DELETE"
    assert session.options(url).json()["method"] == "OPTIONS"
    assert session.head(url).status_code == 200
    methods = [seen.method for seen in server.requests]
    assert methods == ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    assert server.requests[0].header("Content-Type") == "application/json"
    assert server.accepted_connections == 1


def test_module_functions(unix_server_factory: Any) -> None:
    server = unix_server_factory(json_app)
    url = server.url_for("/f")
    assert requests_unixsocket.get(url, params={"x": "1"}).json()["query"] == "x=1"
    assert requests_unixsocket.post(url, json={"a": 1}).json()["body"] == '{"a": 1}'
    assert requests_unixsocket.put(url, data="d").json()["method"] == "PUT"
    assert requests_unixsocket.patch(url, data="d").json()["method"] == "PATCH"
    assert requests_unixsocket.delete(url).json()["method"] == "DELETE"
    assert requests_unixsocket.options(url).json()["method"] == "OPTIONS"
    assert requests_unixsocket.head(url).status_code == 200
    assert requests_unixsocket.request("GET", url).json()["method"] == "GET"
    assert len(server.requests) == 8


def test_hooks_auth_and_cookies(session: Session, unix_server_factory: Any) -> None:
    server = unix_server_factory(json_app)
    seen_by_hook: list[int] = []
    session.hooks["response"].append(lambda r, *a, **k: seen_by_hook.append(r.status_code))
    session.get(server.url_for("/set-cookie"))
    assert session.cookies.get("token") == "abc"
    data = session.get(server.url_for("/after"), auth=("user", "pw")).json()
    assert data["cookie"] == "token=abc"
    assert data["authorization"] == "Basic dXNlcjpwdw=="
    assert seen_by_hook == [200, 200]


def test_netrc_is_not_read_for_sockets_but_session_auth_applies(
    unix_server: UnixSocketServerThread, sockdir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = os.path.join(sockdir, "netrc")
    with open(netrc, "w") as handle:
        handle.write("default login netrc-user password netrc-pw\n")
    os.chmod(netrc, 0o600)
    monkeypatch.setenv("NETRC", netrc)
    assert requests.utils.get_netrc_auth("http://example.com/") == ("netrc-user", "netrc-pw")
    with Session() as session:
        session.get(unix_server.url_for("/no-netrc"))
        session.auth = ("session", "pw")
        session.get(unix_server.url_for("/session-auth"))
    with requests.Session() as bare:  # a bare adapter: requests reads .netrc for any URL
        bare.mount("http+unix://", UnixAdapter())
        bare.get(unix_server.url_for("/bare"))
    plain, with_session_auth, bare_adapter = unix_server.requests
    assert plain.header("Authorization") is None
    assert with_session_auth.header("Authorization") == "Basic c2Vzc2lvbjpwdw=="
    assert bare_adapter.header("Authorization") == "Basic bmV0cmMtdXNlcjpuZXRyYy1wdw=="


def test_request_timeout_forms(unix_server: UnixSocketServerThread) -> None:
    with Session() as session:
        assert session.get(unix_server.url_for("/a"), timeout=5).status_code == 200
        assert session.get(unix_server.url_for("/b"), timeout=(1.5, 5)).status_code == 200
        with pytest.raises(ValueError, match="Invalid timeout"):
            session.get(unix_server.url_for("/c"), timeout=(1, 2, 3))  # type: ignore[arg-type]


def slow_app(release: threading.Event) -> Any:
    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Length", "2")])
        release.wait(10)
        return [b"ok"]

    return app


def test_adapter_timeout_applies_when_the_request_gives_none(unix_server_factory: Any) -> None:
    release = threading.Event()
    server = unix_server_factory(slow_app(release))
    with Session() as session:
        session.mount("http+unix://", UnixAdapter(timeout=0.2))
        try:
            with pytest.raises(requests.exceptions.ReadTimeout):
                session.get(server.url_for("/slow"))
        finally:
            release.set()
        # an explicit timeout wins over the adapter's
        release.clear()
        threading.Timer(0.3, release.set).start()
        assert session.get(server.url_for("/slow"), timeout=5).text == "ok"


def test_retry_through_max_retries(sockdir: str) -> None:
    calls: list[str] = []

    class Counting(Retry):
        def increment(self, *args: Any, **kwargs: Any) -> Retry:  # type: ignore[override]
            calls.append(type(kwargs.get("error")).__name__)
            return super().increment(*args, **kwargs)

    with Session() as session:
        session.mount("http+unix://", UnixAdapter(max_retries=Counting(connect=2, total=None)))
        with pytest.raises(requests.ConnectionError):
            session.get(build_url(os.path.join(sockdir, "none.sock"), "/"))
    assert calls == ["NewConnectionError"] * 3


def test_request_url_is_the_target(unix_server: UnixSocketServerThread) -> None:
    adapter = UnixAdapter()
    request = requests.Request("GET", unix_server.url_for("/a b", {"q": "1"})).prepare()
    assert adapter.request_url(request, {}) == "/a%20b?q=1"
    plain = requests.Request("GET", "http://example.invalid/x?y=1").prepare()
    assert adapter.request_url(plain, {}) == "/x?y=1"
    adapter.close()


def test_get_connection_for_old_requests_and_tls_context_for_new(
    unix_server: UnixSocketServerThread,
) -> None:
    adapter = UnixAdapter()
    pool = adapter.get_connection(unix_server.url_for("/one"))
    assert pool.address == unix_server.address
    assert adapter.get_connection(unix_server.url_for("/two?x")) is pool
    request = requests.Request("GET", unix_server.url_for("/three")).prepare()
    assert adapter.get_connection_with_tls_context(request, True) is pool
    with pytest.raises(ValueError, match="UnixAdapter does not support specifying proxies"):
        adapter.get_connection(unix_server.url_for("/"), {"http+unix": "http://proxy:1"})
    adapter.close()


def test_adapter_mounted_on_a_plain_session(unix_server: UnixSocketServerThread) -> None:
    with requests.Session() as session:
        session.mount("http+unix://", UnixAdapter())
        for i in range(3):
            assert session.get(unix_server.url_for(f"/{i}")).status_code == 200
    assert unix_server.accepted_connections == 1


def test_plain_http_still_uses_requests_adapters(session: Session) -> None:
    assert type(session.get_adapter("http://example.invalid/")) is HTTPAdapter
    assert type(session.get_adapter("https://example.invalid/")) is HTTPAdapter
    assert isinstance(session.get_adapter("http+unix://%2Fx/"), UnixAdapter)
    assert isinstance(session.get_adapter("https+unix://%2Fx/"), UnixAdapter)


def test_custom_url_scheme(unix_server: UnixSocketServerThread) -> None:
    url = unix_server.url_for("/docker").replace("http+unix://", "http+docker://")
    with Session("http+docker://") as session:
        response = session.get(url)
    assert response.status_code == 200
    assert unix_server.requests[0].target == "/docker"


def test_quote_plus_urls_of_the_old_package_keep_working(
    session: Session, unix_server_factory: Any, sockdir: str
) -> None:
    server = unix_server_factory(path=os.path.join(sockdir, "Case.sock"))
    url = "http+unix://" + requests.compat.quote_plus(server.usock) + "/old"
    assert session.get(url).status_code == 200


def test_raw_non_ascii_host_is_not_idna_encoded(
    session: Session, unix_server_factory: Any, sockdir: str
) -> None:
    server = unix_server_factory(path=os.path.join(sockdir, "\u00e9t\u00e9.sock"))
    url = "http+unix://" + server.usock.replace("/", "%2F") + "/raw"
    assert session.get(url).status_code == 200
    assert server.requests[0].target == "/raw"


def test_adapter_survives_pickling(unix_server: UnixSocketServerThread) -> None:
    import pickle

    adapter = UnixAdapter(timeout=7, pool_connections=3, pool_maxsize=4)
    copy = pickle.loads(pickle.dumps(adapter))
    assert (copy.timeout, copy._pool_connections, copy._pool_maxsize) == (7, 3, 4)
    with Session() as session:
        session.mount("http+unix://", copy)
        assert session.get(unix_server.url_for("/pickled")).status_code == 200
    adapter.close()
