"""Redirects on every flavor: followed on the socket; into a socket from elsewhere, or to another
socket, refused unless allowed; credentials never follow a redirect off the socket."""

from __future__ import annotations

import urllib.parse

import pytest
from support.flavors import REDIRECT, Flavor
from support.httpx_flavor import httpx
from support.redirects import CREDENTIALS, redirecting

import requests_unixsocket
import urllib3_unixsocket
from unixsocket_testutils import echo
from unixsocket_testutils.pytest_plugin import ScriptedServerFactory


def refused_location(error: BaseException | None) -> str:
    """Where a refused redirect led: ``.location`` (urllib3, requests), ``.request.url`` (httpx),
    unquoted: httpx writes a URL's host in lower case (``%2f``), as it does any host."""
    if isinstance(error, httpx.RequestError):
        return urllib.parse.unquote(str(error.request.url))
    refused = (urllib3_unixsocket.RedirectRefused, requests_unixsocket.RedirectRefused)
    assert isinstance(error, refused)
    return urllib.parse.unquote(error.location)


def test_relative_redirects_stay_on_the_socket(
    flavor: Flavor, scripted_server_factory: ScriptedServerFactory
) -> None:
    server = scripted_server_factory(
        redirecting(
            {
                "/start": (302, "/landed"),
                "/a/b": (301, "c?x=1"),
                "/q": (302, "?p=2"),
                "/dot": (303, "../up"),
            }
        )
    )
    with flavor.client() as client:
        assert client.request("GET", server.url_for("/start")).body == b"GET /landed "
        assert client.request("GET", server.url_for("/a/b")).body == b"GET /a/c?x=1 "
        assert client.request("GET", server.url_for("/q")).body == b"GET /q?p=2 "
        headers = {"Content-Type": "text/plain"}
        posted = client.request("POST", server.url_for("/dot"), body=b"x", headers=headers)
    assert posted.body == b"GET /up "  # a 303 is followed with a GET, without the body
    # and without the body's Content-Type; httpx keeps it (its own rule for every URL: a
    # changed method drops only Content-Length and Transfer-Encoding)
    kept = "text/plain" if flavor.name.startswith("httpx") else None
    assert server.requests[-1].header("Content-Type") == kept
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
    flavor: Flavor, scripted_server_factory: ScriptedServerFactory, location: str
) -> None:
    locations: dict[str, tuple[int, str]] = {}
    server = scripted_server_factory(redirecting(locations))
    host = server.url.split("/")[2]
    locations["/start"] = (302, location.format(host=host))
    with flavor.client() as client:
        assert client.request("GET", server.url_for("/start")).body == b"GET /landed "


def test_absolute_redirects_to_the_same_socket_keep_body_and_credentials(
    flavor: Flavor, scripted_server_factory: ScriptedServerFactory, sockdir: str
) -> None:
    locations: dict[str, tuple[int, str]] = {}
    server = scripted_server_factory(redirecting(locations), path=f"{sockdir}/Mixed.sock")
    locations["/start"] = (307, server.url_for("/again"))  # the socket's case is kept
    locations["/abs"] = (308, server.url_for("/absolute-landed"))
    with flavor.client() as client:
        start = server.url_for("/start")
        posted = client.request("POST", start, body=b"payload", headers=CREDENTIALS)
        got = client.request("GET", server.url_for("/abs"), headers=CREDENTIALS)
    assert (posted.body, got.body) == (b"POST /again payload", b"GET /absolute-landed ")
    # the libraries' own rules for any URL, by design: requests drops Proxy-Authorization on
    # every redirect (rebuild_proxies); requests and httpx drop a Cookie header and make it again
    # from the client's cookie jar (requests' jar on a socket: tests/test_requests)
    proxy_authorization = None if flavor.name == "requests" else "Basic cHJveHk="
    cookie = "session=abc" if flavor.name == "urllib3" else None
    for landed in server.requests[1::2]:
        assert landed.header("Authorization") == "Bearer s3cret"
        assert landed.header("Proxy-Authorization") == proxy_authorization
        assert landed.header("Cookie") == cookie
    assert server.accepted_connections == 1


@pytest.mark.parametrize("form", ["absolute", "scheme-relative"])
def test_redirect_to_another_socket_is_refused(
    flavor: Flavor, scripted_server_factory: ScriptedServerFactory, form: str
) -> None:
    other = scripted_server_factory(echo)
    location = other.url_for("/x")
    if form == "scheme-relative":
        location = location.partition(":")[2]
    server = scripted_server_factory(redirecting({"/go": (302, location)}))
    with flavor.client() as client, flavor.raises(REDIRECT) as raised:
        client.request("GET", server.url_for("/go"))
    assert refused_location(raised.error) == urllib.parse.unquote(other.url_for("/x"))
    assert "different socket" in raised.message
    assert other.describe() in raised.message
    assert other.accepted_connections == 0


def test_allowed_redirect_to_another_socket_leaves_the_credentials_behind(
    flavor: Flavor, scripted_server_factory: ScriptedServerFactory
) -> None:
    other = scripted_server_factory(echo)
    server = scripted_server_factory(redirecting({"/go": (302, other.url_for("/x"))}))
    with flavor.client(allow_socket_redirects=True) as client:
        response = client.request("GET", server.url_for("/go"), headers=CREDENTIALS)
    assert response.body == b"GET /x"
    assert server.requests[0].header("Authorization") == "Bearer s3cret"
    (seen,) = other.requests
    for name in CREDENTIALS:
        assert seen.header(name) is None


def test_redirect_from_tcp_into_a_socket_is_refused(
    flavor: Flavor, scripted_server_factory: ScriptedServerFactory
) -> None:
    socket_server = scripted_server_factory(echo)
    target = socket_server.url_for("/containers/create")
    tcp = scripted_server_factory(redirecting({"/evil": (307, target)}), tcp=True)
    with flavor.client() as client, flavor.raises(REDIRECT) as raised:
        client.request(
            "POST", tcp.url_for("/evil"), body=b'{"Image": "x"}', headers={"X-Api-Key": "k"}
        )
    assert refused_location(raised.error) == urllib.parse.unquote(target)
    origin, into = tcp.url_for(""), socket_server.describe()
    refusal = f"refused a redirect from {origin} into the UNIX socket '{into}'"
    assert raised.message.startswith(refusal)
    assert "a server may not send a client to a local socket" in raised.message
    if flavor.name.startswith("httpx"):  # httpx's clients also say how to allow it
        assert "pass allow_socket_redirects=True to the client" in raised.message
    assert socket_server.accepted_connections == 0


def test_redirect_into_a_socket_not_followed_is_just_the_response(
    flavor: Flavor, scripted_server_factory: ScriptedServerFactory
) -> None:
    socket_server = scripted_server_factory(echo)
    tcp = scripted_server_factory(redirecting({"/": (307, socket_server.url_for("/x"))}), tcp=True)
    with flavor.client(follow_redirects=False) as client:
        response = client.request("GET", tcp.url_for("/"))
    assert (response.status, response.headers["location"]) == (307, socket_server.url_for("/x"))
    assert socket_server.accepted_connections == 0


def test_allowed_redirect_from_tcp_into_a_socket_leaves_the_credentials_behind(
    flavor: Flavor, scripted_server_factory: ScriptedServerFactory
) -> None:
    socket_server = scripted_server_factory(echo)
    into = redirecting({"/go": (307, socket_server.url_for("/in"))})
    tcp = scripted_server_factory(into, tcp=True)
    with flavor.client(allow_socket_redirects=True) as client:
        response = client.request("POST", tcp.url_for("/go"), body=b"data", headers=CREDENTIALS)
    assert response.body == b"POST /in"
    (received,) = socket_server.requests
    assert received.body == b"data"
    assert received.header("host") == "localhost"
    for name in CREDENTIALS:
        assert received.header(name) is None
    assert tcp.requests[0].header("Authorization") == "Bearer s3cret"


def test_credentials_never_follow_a_redirect_off_the_socket(
    flavor: Flavor, scripted_server_factory: ScriptedServerFactory
) -> None:
    tcp = scripted_server_factory(echo, tcp=True)
    server = scripted_server_factory(redirecting({"/out": (302, tcp.url_for("/x"))}))
    with flavor.client() as client:
        headers = {**CREDENTIALS, "X-Other": "kept"}
        assert client.request("GET", server.url_for("/out"), headers=headers).body == b"GET /x"
    assert server.requests[0].header("Authorization") == "Bearer s3cret"
    assert server.requests[0].header("Cookie") == "session=abc"
    (outside,) = tcp.requests
    for name in CREDENTIALS:
        assert outside.header(name) is None
    assert outside.header("X-Other") == "kept"


def test_redirects_between_tcp_origins_are_the_librarys_own(
    flavor: Flavor, scripted_server_factory: ScriptedServerFactory
) -> None:
    target = scripted_server_factory(echo, tcp=True)
    source = scripted_server_factory(redirecting({"/": (307, target.url_for("/landed"))}), tcp=True)
    with flavor.client() as client:
        headers = {"Authorization": "Bearer s3cret"}
        assert client.request("GET", source.url_for("/"), headers=headers).body == b"GET /landed"
    # a different port is a different origin: the library drops Authorization itself
    assert source.requests[0].header("Authorization") == "Bearer s3cret"
    assert target.requests[0].header("Authorization") is None
