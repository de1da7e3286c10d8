"""Redirects through requests' own API: the history and URLs of a response, the module
functions and the monkeypatch, session auth and cookies, custom schemes, and a bare UnixAdapter
on requests' own Session. The redirect rules every flavor shares are in tests/test_flavors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from support.redirects import redirecting

import requests_unixsocket
from requests_unixsocket import RedirectRefused, Session
from unixsocket_testutils import echo
from unixsocket_testutils.pytest_plugin import ScriptedServerFactory


@pytest.fixture
def session() -> Iterator[Session]:
    with Session() as s:
        yield s


@pytest.fixture
def bare_session() -> Iterator[requests.Session]:
    """requests' own Session with a UnixAdapter mounted, as HTTPie's plugin makes it."""
    with requests.Session() as s:
        s.mount("http+unix://", requests_unixsocket.UnixAdapter())
        yield s


def test_history_and_urls_of_a_redirected_response(
    session: Session, scripted_server_factory: ScriptedServerFactory
) -> None:
    server = scripted_server_factory(redirecting({"/start": (302, "/landed")}))
    response = session.get(server.url_for("/start"))
    assert response.text == "GET /landed "
    assert response.url == server.url_for("/landed")
    (redirect,) = response.history
    assert redirect.status_code == 302
    assert redirect.headers["Location"] == server.url_for("/landed")
    assert redirect.raw.headers["Location"] == "/landed"  # what the server sent


def test_module_function_follows_relative_redirects(
    scripted_server_factory: ScriptedServerFactory,
) -> None:
    server = scripted_server_factory(redirecting({"/start": (302, "/landed")}))
    assert requests_unixsocket.get(server.url_for("/start")).text == "GET /landed "
    head = requests_unixsocket.head(server.url_for("/start"))
    assert head.status_code == 302  # head() does not follow redirects by default


def test_every_entry_point_refuses_a_redirect_from_tcp_into_a_socket(
    session: Session, scripted_server_factory: ScriptedServerFactory
) -> None:
    socket_server = scripted_server_factory(echo)
    tcp = scripted_server_factory(redirecting({"/evil": (307, socket_server.url)}), tcp=True)
    with pytest.raises(RedirectRefused) as info:
        session.post(tcp.url_for("/evil"), json={"Image": "x"})
    with pytest.raises(RedirectRefused):
        requests_unixsocket.post(tcp.url_for("/evil"), json={})
    with requests_unixsocket.monkeypatch(), pytest.raises(RedirectRefused):
        requests.post(tcp.url_for("/evil"), json={})
    assert isinstance(info.value, requests.RequestException)
    assert info.value.response is not None
    assert info.value.response.status_code == 307
    not_followed = session.post(tcp.url_for("/evil"), json={}, allow_redirects=False)
    assert not_followed.next is None  # no prepared request into the socket
    assert socket_server.accepted_connections == 0


def test_session_auth_and_cookies_stay_on_the_socket(
    session: Session, scripted_server_factory: ScriptedServerFactory
) -> None:
    tcp = scripted_server_factory(echo, tcp=True)
    locations: dict[str, tuple[int, str]] = {}
    server = scripted_server_factory(redirecting(locations))
    locations.update({"/in": (307, server.url_for("/again")), "/out": (302, tcp.url_for("/x"))})
    session.cookies.set("session", "s3cret")  # a cookie without a domain goes everywhere
    assert session.post(server.url_for("/in"), data=b"p", auth=("u", "p")).text == "POST /again p"
    assert session.get(server.url_for("/out"), auth=("user", "pw")).text == "GET /x"
    same_socket, _, left = server.requests
    assert same_socket.header("Authorization") == "Basic dTpw"
    assert same_socket.header("Cookie") == "session=s3cret"
    assert left.header("Authorization") == "Basic dXNlcjpwdw=="
    assert left.header("Cookie") == "session=s3cret"
    (outside,) = tcp.requests
    assert outside.header("authorization") is None
    assert outside.header("cookie") is None


def test_relative_redirect_with_a_custom_url_scheme(
    scripted_server_factory: ScriptedServerFactory,
) -> None:
    server = scripted_server_factory(redirecting({"/start": (302, "/landed")}))
    url = server.url_for("/start").replace("http+unix://", "http+docker://")
    with Session("http+docker://") as session:
        response = session.get(url)
    assert response.text == "GET /landed "
    assert response.url == url.replace("/start", "/landed")


# -- a bare UnixAdapter mounted on requests' own Session (HTTPie's plugin, hand-made sessions) --
def test_bare_adapter_follows_same_socket_redirects(
    bare_session: requests.Session, scripted_server_factory: ScriptedServerFactory
) -> None:
    locations: dict[str, tuple[int, str]] = {}
    server = scripted_server_factory(redirecting(locations))
    host = server.url.split("/")[2]
    spellings = ["http+unix:/landed", "HTTP+UNIX:///landed", " http+unix:landed"]
    spellings.append(f"//{host}/landed")
    locations.update({f"/s{n}": (302, location) for n, location in enumerate(spellings)})
    locations.update({"/a/b": (301, "c?x=1"), "/q": (302, "?p=2"), "/dot": (303, "../up")})
    locations["/abs"] = (307, server.url_for("/again"))
    for n in range(len(spellings)):
        assert bare_session.get(server.url_for(f"/s{n}")).text == "GET /landed "
    assert bare_session.get(server.url_for("/a/b")).text == "GET /a/c?x=1 "
    assert bare_session.get(server.url_for("/q")).text == "GET /q?p=2 "
    assert bare_session.post(server.url_for("/dot"), data=b"x").text == "GET /up "
    posted = bare_session.post(server.url_for("/abs"), data=b"payload", auth=("u", "p"))
    assert posted.text == "POST /again payload"
    assert server.requests[-1].header("Authorization") == "Basic dTpw"
    assert server.accepted_connections == 1


def test_bare_adapter_step_by_step_as_httpie(
    bare_session: requests.Session, scripted_server_factory: ScriptedServerFactory
) -> None:
    """``allow_redirects=False`` and ``response.next``: how HTTPie's ``--follow`` walks."""
    server = scripted_server_factory(redirecting({"/start": (302, "/landed")}))
    response = bare_session.get(server.url_for("/start"), allow_redirects=False)
    assert response.next is not None
    assert response.next.url == server.url_for("/landed")
    assert bare_session.send(response.next).text == "GET /landed "


def test_bare_adapter_custom_scheme(scripted_server_factory: ScriptedServerFactory) -> None:
    server = scripted_server_factory(redirecting({"/start": (302, "/landed")}))
    url = server.url_for("/start").replace("http+unix://", "http+docker://")
    with requests.Session() as session:
        session.mount("http+docker://", requests_unixsocket.UnixAdapter())
        response = session.get(url)
    assert response.url == url.replace("/start", "/landed")
    assert response.text == "GET /landed "


def test_bare_adapter_leaves_the_refusals_to_our_session(
    bare_session: requests.Session, scripted_server_factory: ScriptedServerFactory
) -> None:
    """What only ``requests_unixsocket.Session`` refuses (the table in
    docs/packages/requests-unixsocket.md): a bare adapter follows a redirect to another socket,
    and from a TCP server into a socket, as requests follows any redirect; requests' own rule
    still drops ``Authorization`` when the URL's host (the socket) changes."""
    other = scripted_server_factory(echo)
    server = scripted_server_factory(redirecting({"/go": (302, other.url_for("/x"))}))
    response = bare_session.get(server.url_for("/go"), auth=("u", "p"))
    assert response.status_code == 200
    tcp = scripted_server_factory(redirecting({"/evil": (307, other.url_for("/y"))}), tcp=True)
    assert bare_session.post(tcp.url_for("/evil"), json={}).status_code == 200
    followed = [(seen.method, seen.target) for seen in other.requests]
    assert followed == [("GET", "/x"), ("POST", "/y")]
    assert other.requests[0].header("Authorization") is None
