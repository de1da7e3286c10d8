"""Redirects: on the socket they work; into a socket from elsewhere, refused everywhere."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import requests

import requests_unixsocket
from requests_unixsocket import RedirectRefused, Session
from unixsocket_testutils import Reply, ScriptedServer, echo


@pytest.fixture
def session() -> Iterator[Session]:
    with Session() as s:
        yield s


def bare_adapter_session() -> requests.Session:
    """requests' own Session with a UnixAdapter mounted, as HTTPie's plugin makes it."""
    s = requests.Session()
    s.mount("http+unix://", requests_unixsocket.UnixAdapter())
    return s


@pytest.fixture(params=["Session", "bare adapter"])
def any_session(request: pytest.FixtureRequest) -> Iterator[requests.Session]:
    """Our Session, and a bare mounted adapter: same-socket redirects work through both."""
    with Session() if request.param == "Session" else bare_adapter_session() as s:
        yield s


def redirecting_app(locations: dict[str, tuple[str, str]]) -> Any:
    """A WSGI app: paths in *locations* answer (status, Location); others echo the request."""

    def app(environ: Any, start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read()
        path = environ["PATH_INFO"]
        query = environ["QUERY_STRING"]
        if (path + (f"?{query}" if query else "")) in locations:
            status, location = locations[path]
            start_response(status, [("Location", location), ("Content-Length", "0")])
            return []
        data = f"{environ['REQUEST_METHOD']} {path} {body.decode()}".encode()
        start_response("200 OK", [("Content-Length", str(len(data)))])
        return [data]

    return app


def test_relative_redirects_stay_on_the_socket(
    any_session: requests.Session, unix_server_factory: Any
) -> None:
    server = unix_server_factory(
        redirecting_app(
            {
                "/start": ("302 Found", "/landed"),
                "/a/b": ("301 Moved", "c?x=1"),
                "/q": ("302", "?p=2"),
                "/dot": ("303 See Other", "../up"),
            }
        )
    )
    response = any_session.get(server.url_for("/start"))
    assert response.text == "GET /landed "
    assert response.url == server.url_for("/landed")
    (redirect,) = response.history
    assert redirect.status_code == 302
    assert redirect.headers["Location"] == server.url_for("/landed")
    assert redirect.raw.headers["Location"] == "/landed"  # what the server sent
    assert any_session.get(server.url_for("/a/b")).text == "GET /a/c "
    assert any_session.get(server.url_for("/q")).text == "GET /q "  # and the query is p=2
    assert any_session.post(server.url_for("/dot"), data=b"x").text == "GET /up "
    targets = [seen.target for seen in server.requests]
    assert targets == ["/start", "/landed", "/a/b", "/a/c?x=1", "/q", "/q?p=2", "/dot", "/up"]
    assert server.accepted_connections == 1
    # urllib.parse's scheme tables are left as they were
    stdlib_tables = {*urllib.parse.uses_relative, *urllib.parse.uses_netloc}
    assert not {"http+unix", "https+unix"} & stdlib_tables


@pytest.mark.parametrize(
    "location", ["http+unix:/landed", "HTTP+UNIX:///landed", " http+unix:landed", "//{host}/landed"]
)
def test_socket_scheme_spellings_without_a_socket_stay_on_it(
    any_session: requests.Session, unix_server_factory: Any, location: str
) -> None:
    locations: dict[str, tuple[str, str]] = {}
    server = unix_server_factory(redirecting_app(locations))
    host = server.url_for("/").split("/")[2]
    locations["/start"] = ("302 Found", location.format(host=host))
    response = any_session.get(server.url_for("/start"))
    assert response.text == "GET /landed "
    assert response.url == server.url_for("/landed")


def test_same_socket_absolute_redirect_keeps_body_and_credentials(
    any_session: requests.Session, unix_server_factory: Any
) -> None:
    locations: dict[str, tuple[str, str]] = {}
    server = unix_server_factory(redirecting_app(locations))
    locations["/start"] = ("307 Temporary Redirect", server.url_for("/again"))
    response = any_session.post(server.url_for("/start"), data=b"payload", auth=("u", "p"))
    assert response.text == "POST /again payload"
    assert server.requests[1].header("Authorization") == "Basic dTpw"


def test_module_function_follows_relative_redirects(unix_server_factory: Any) -> None:
    server = unix_server_factory(redirecting_app({"/start": ("302 Found", "/landed")}))
    assert requests_unixsocket.get(server.url_for("/start")).text == "GET /landed "
    head = requests_unixsocket.head(server.url_for("/start"))
    assert head.status_code == 302  # head() does not follow redirects by default


def _tcp_redirect_to(location: str) -> Any:
    def handler(request: Any) -> Any:
        return Reply(307, headers=[("Location", location)])

    return ScriptedServer(handler, tcp=True)


def test_redirect_from_tcp_into_a_socket_is_refused(session: Session, unix_server: Any) -> None:
    target = unix_server.url_for("/containers/create")
    with _tcp_redirect_to(target) as tcp:
        with pytest.raises(RedirectRefused) as info:
            session.post(tcp.url_for("/evil"), json={"Image": "x"}, headers={"X-Api-Key": "k"})
        with pytest.raises(RedirectRefused):
            requests_unixsocket.post(tcp.url_for("/evil"), json={})
        with requests_unixsocket.monkeypatch(), pytest.raises(RedirectRefused):
            requests.post(tcp.url_for("/evil"), json={})
    assert info.value.location == target
    assert "into the UNIX socket" in str(info.value)
    assert unix_server.usock in str(info.value)
    assert info.value.response is not None
    assert info.value.response.status_code == 307
    assert unix_server.accepted_connections == 0


def test_refused_redirect_without_following_is_just_the_response(
    session: Session, unix_server: Any
) -> None:
    with _tcp_redirect_to(unix_server.url_for("/x")) as tcp:
        response = session.get(tcp.url_for("/"), allow_redirects=False)
    assert response.status_code == 307
    assert response.next is None  # no prepared request into the socket
    assert unix_server.accepted_connections == 0


def test_redirect_to_another_socket_is_refused(session: Session, unix_server_factory: Any) -> None:
    other = unix_server_factory()
    server = unix_server_factory(redirecting_app({"/go": ("302 Found", other.url_for("/x"))}))
    with pytest.raises(RedirectRefused, match="different socket") as info:
        session.get(server.url_for("/go"))
    assert info.value.location == other.url_for("/x")
    assert other.accepted_connections == 0


def test_refusal_is_a_request_exception(session: Session, unix_server_factory: Any) -> None:
    other = unix_server_factory()
    server = unix_server_factory(redirecting_app({"/go": ("302 Found", other.url_for("/x"))}))
    with pytest.raises(requests.RequestException):
        session.get(server.url_for("/go"))


def test_allow_socket_redirects(unix_server_factory: Any) -> None:
    other = unix_server_factory()
    server = unix_server_factory(redirecting_app({"/go": ("302 Found", other.url_for("/x"))}))
    with Session(allow_socket_redirects=True) as session:
        assert session.allow_socket_redirects is True
        response = session.get(server.url_for("/go"), auth=("u", "p"))
    assert response.status_code == 200
    (seen,) = other.requests
    assert seen.target == "/x"
    assert seen.header("Authorization") is None  # credentials stay behind on the first socket


def test_credentials_never_follow_a_redirect_off_the_socket(
    session: Session, unix_server_factory: Any
) -> None:
    with ScriptedServer(echo, tcp=True) as tcp:
        server = unix_server_factory(redirecting_app({"/out": ("302 Found", tcp.url_for("/x"))}))
        session.cookies.set("session", "s3cret")  # a cookie without a domain goes everywhere
        response = session.get(
            server.url_for("/out"),
            auth=("user", "pw"),
            headers={"Proxy-Authorization": "Basic cHJveHk=", "X-Other": "kept"},
        )
    assert response.text == "GET /x"
    first = server.requests[0]
    assert first.header("Authorization") == "Basic dXNlcjpwdw=="
    assert first.header("Cookie") == "session=s3cret"
    (outside,) = tcp.requests
    assert outside.header("authorization") is None
    assert outside.header("cookie") is None
    assert outside.header("proxy-authorization") is None
    assert outside.header("x-other") == "kept"


def test_plain_redirects_between_tcp_origins_are_requests_own(session: Session) -> None:
    with (
        ScriptedServer(echo, tcp=True) as target,
        _tcp_redirect_to(target.url_for("/landed")) as source,
    ):
        response = session.get(source.url_for("/"), auth=("u", "p"))
    assert response.text == "GET /landed"
    # a different port is a different origin: requests strips Authorization itself
    assert target.requests[0].header("authorization") is None


def test_relative_redirect_with_a_custom_url_scheme(unix_server_factory: Any) -> None:
    server = unix_server_factory(redirecting_app({"/start": ("302 Found", "/landed")}))
    url = server.url_for("/start").replace("http+unix://", "http+docker://")
    with Session("http+docker://") as session:
        response = session.get(url)
    assert response.text == "GET /landed "
    assert response.url == url.replace("/start", "/landed")


def test_scheme_relative_redirect_to_another_socket_is_refused(
    session: Session, unix_server_factory: Any
) -> None:
    other = unix_server_factory()
    location = "//" + other.url.split("://", 1)[1] + "x"
    server = unix_server_factory(redirecting_app({"/go": ("302 Found", location)}))
    with pytest.raises(RedirectRefused, match="different socket"):
        session.get(server.url_for("/go"))
    assert other.accepted_connections == 0


# -- a bare UnixAdapter mounted on requests' own Session (HTTPie's plugin, hand-made sessions) --
@pytest.fixture
def bare_session() -> Iterator[requests.Session]:
    with bare_adapter_session() as s:
        yield s


def test_bare_adapter_step_by_step_as_httpie(
    bare_session: requests.Session, unix_server_factory: Any
) -> None:
    """``allow_redirects=False`` and ``response.next``: how HTTPie's ``--follow`` walks."""
    server = unix_server_factory(redirecting_app({"/start": ("302 Found", "/landed")}))
    response = bare_session.get(server.url_for("/start"), allow_redirects=False)
    assert response.next is not None
    assert response.next.url == server.url_for("/landed")
    assert bare_session.send(response.next).text == "GET /landed "


def test_bare_adapter_custom_scheme(unix_server_factory: Any) -> None:
    server = unix_server_factory(redirecting_app({"/start": ("302 Found", "/landed")}))
    url = server.url_for("/start").replace("http+unix://", "http+docker://")
    with requests.Session() as session:
        session.mount("http+docker://", requests_unixsocket.UnixAdapter())
        response = session.get(url)
    assert response.url == url.replace("/start", "/landed")
    assert response.text == "GET /landed "


def test_bare_adapter_leaves_the_refusals_to_our_session(
    bare_session: requests.Session, unix_server_factory: Any
) -> None:
    """What only ``requests_unixsocket.Session`` refuses (the table in
    docs/packages/requests-unixsocket.md): a bare adapter follows a redirect to another socket,
    and from a TCP server into a socket, as requests follows any redirect; requests' own rule
    still drops ``Authorization`` when the URL's host (the socket) changes."""
    other = unix_server_factory()
    server = unix_server_factory(redirecting_app({"/go": ("302 Found", other.url_for("/x"))}))
    response = bare_session.get(server.url_for("/go"), auth=("u", "p"))
    assert response.status_code == 200
    with _tcp_redirect_to(other.url_for("/y")) as tcp:
        assert bare_session.post(tcp.url_for("/evil"), json={}).status_code == 200
    followed = [(seen.method, seen.target) for seen in other.requests]
    assert followed == [("GET", "/x"), ("POST", "/y")]
    assert other.requests[0].header("Authorization") is None
