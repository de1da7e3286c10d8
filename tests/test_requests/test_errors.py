"""Errors in requests' own families, naming the socket; proxies and the environment stay out."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import requests.utils

import requests_unixsocket
from requests_unixsocket import Session
from unixsocket_testutils import UnixSocketServerThread
from unixsocket_url import build_url


@pytest.fixture
def session() -> Iterator[Session]:
    with Session() as s:
        yield s


def test_missing_socket_is_a_connection_error_naming_it(session: Session, sockdir: str) -> None:
    path = os.path.join(sockdir, "gone.sock")
    with pytest.raises(requests.ConnectionError) as info:
        session.get(build_url(path, "/x"))
    assert not isinstance(info.value, requests.ConnectTimeout)
    assert f"cannot connect to UNIX socket '{path}': no such file or directory" in str(info.value)


def test_module_function_error(sockdir: str) -> None:
    with pytest.raises(requests.ConnectionError, match="is the server running"):
        requests_unixsocket.get(build_url(os.path.join(sockdir, "gone.sock"), "/"))


def test_explicit_unix_proxy_is_a_value_error(
    session: Session, unix_server: UnixSocketServerThread
) -> None:
    host_key = "http+unix://" + unix_server.url.split("/")[2]
    for proxies in ({"http+unix": "http://proxy:3128"}, {host_key: "http://p:1"}):
        with pytest.raises(ValueError, match=r"^UnixAdapter does not support specifying proxies$"):
            session.get(unix_server.url_for("/"), proxies=proxies)
    with pytest.raises(ValueError, match="UnixAdapter does not support specifying proxies"):
        requests_unixsocket.get(unix_server.url_for("/"), proxies={"http+unix": "http://p:1"})
    assert unix_server.accepted_connections == 0


def test_proxies_for_other_schemes_do_not_apply(
    session: Session, unix_server: UnixSocketServerThread
) -> None:
    session.proxies = {"http": "http://127.0.0.1:9", "all": "http://127.0.0.1:9"}
    assert session.get(unix_server.url_for("/ok")).status_code == 200
    assert unix_server.requests[0].target == "/ok"  # origin form, not a proxy's absolute form


def test_environment_proxies_never_apply_and_nothing_is_looked_up(
    no_proxy_env: None,
    monkeypatch: pytest.MonkeyPatch,
    unix_server: UnixSocketServerThread,
) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"looked up {args!r} for a UNIX socket")

    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        monkeypatch.setattr(socket, name, forbidden)
    for name in ("should_bypass_proxies", "proxy_bypass", "get_environ_proxies"):
        monkeypatch.setattr(requests.utils, name, forbidden)
    monkeypatch.setattr(requests.sessions, "resolve_proxies", forbidden)
    monkeypatch.setattr(requests.sessions, "get_environ_proxies", forbidden)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    with Session() as session:
        assert session.get(unix_server.url_for("/env")).status_code == 200
        prepared = session.prepare_request(requests.Request("GET", unix_server.url_for("/send")))
        assert session.send(prepared).status_code == 200
    assert requests_unixsocket.get(unix_server.url_for("/fn")).status_code == 200
    assert [seen.target for seen in unix_server.requests] == ["/env", "/send", "/fn"]


def test_foreign_session_ignores_environment_proxies(
    no_proxy_env: None, unix_server: UnixSocketServerThread
) -> None:
    with requests.Session() as session:
        session.mount("http+unix://", requests_unixsocket.UnixAdapter())
        assert session.get(unix_server.url_for("/foreign")).status_code == 200
        with pytest.raises(ValueError, match="UnixAdapter does not support specifying proxies"):
            session.get(unix_server.url_for("/"), proxies={"http+unix": "http://p:1"})


def test_unknown_scheme_is_invalid_schema(session: Session) -> None:
    with pytest.raises(requests.exceptions.InvalidSchema):
        session.get("ftp+unix://%2Ftmp%2Fx.sock/")
    with pytest.raises(requests.exceptions.InvalidSchema):
        requests.get("http+unix://%2Ftmp%2Fx.sock/")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http+unix:///tmp/x.sock/path", "names no socket"),
        ("http+unix://user:pw@%2Ftmp%2Fx.sock/", "userinfo"),
        ("http+unix://%2Ftmp%2Fx.sock:80/", "no port"),
        ("http+unix://%2Ftmp%2Fx.sock%00junk/", "NUL byte"),
        ("http+unix://%zz/", "not followed by two hex digits"),
    ],
)
def test_malformed_urls_are_invalid_url_before_connecting(
    session: Session, url: str, message: str
) -> None:
    with pytest.raises(requests.exceptions.InvalidURL, match=message):
        session.get(url)
    with pytest.raises(requests.exceptions.InvalidURL, match=message):
        requests_unixsocket.get(url)


def test_nul_inside_a_real_socket_path_never_connects(
    session: Session, unix_server: UnixSocketServerThread
) -> None:
    url = unix_server.url.rstrip("/") + "%00junk/x"
    with pytest.raises(requests.exceptions.InvalidURL, match="NUL byte"):
        session.get(url)
    assert unix_server.accepted_connections == 0


def test_quote_plus_url_of_a_name_with_a_space_explains_the_plus(sockdir: str) -> None:
    """requests-unixsocket's documentation built URLs with ``requests.compat.quote_plus``."""
    path = os.path.join(sockdir, "my app.sock")
    with UnixSocketServerThread(path=path) as server, Session() as session:
        url = f"http+unix://{requests.compat.quote_plus(server.usock)}/x"
        with pytest.raises(requests.ConnectionError) as info:
            session.get(url)
        assert f"'{path}' exists, but a '+' in a UNIX-socket URL is a literal plus" in str(
            info.value
        )
        assert "write a space as %20" in str(info.value)
        assert server.accepted_connections == 0
        assert session.get(build_url(path, "/x")).status_code == 200
