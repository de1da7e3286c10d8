"""Security: redirects into and between sockets, credentials, CR/LF injection, Host, proxies."""

from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
import requests
import urllib3
from support.flavor_fixtures import ConnectLog
from support.flavors import REDIRECT, Flavor
from support.httpx_flavor import httpx

from unixsocket_testutils import RecordedRequest, Reply, ScriptedServer, echo

REDIRECTS = (302, 303, 307, 308)


def redirecting(location: str, status: int = 302) -> ScriptedServer:
    """A server answering every request with a redirect to *location* (TCP unless a socket
    URL is wanted by the caller, who then passes ``tcp=False``)."""
    return ScriptedServer(lambda request: Reply(status, headers=[("Location", location)]), tcp=True)


@pytest.mark.parametrize("status", REDIRECTS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_redirect_from_tcp_into_a_socket_is_refused(
    flavor: Flavor, status: int, method: str
) -> None:
    with ScriptedServer(echo) as target, flavor.client() as client:
        location = target.url_for("/containers/create")
        with redirecting(location, status) as origin, flavor.raises(REDIRECT) as raised:
            client.request(method, origin.url_for("/evil"), body=b'{"Image": "x"}')
        assert "into the UNIX socket" in raised.message
        assert target.accepted_connections == 0


def spellings(url: str) -> dict[str, str]:
    """*url* (a socket URL) as a hostile server may write it in a ``Location`` header."""
    scheme, _, rest = url.partition("://")
    return {
        "upper case": f"{scheme.upper()}://{rest}",
        "leading blank": f" {url}",
        "trailing blank": f"{url} \t",
        "tab in scheme": f"{scheme[:4]}\t{scheme[4:]}://{rest}",
    }


NAMELESS = {
    "one slash": "http+unix:/containers/create",
    "upper, one slash": "HTTP+UNIX:/containers/create",
    "relative": "http+unix:relative",
    "empty authority": "http+unix:///abs/path",
}
"""Socket-scheme locations without a socket name: a client fills in the origin's host."""


@pytest.mark.parametrize("spelling", [*NAMELESS, "upper case", "leading blank", "tab in scheme"])
def test_redirect_from_tcp_into_a_socket_is_refused_however_written(
    flavor: Flavor, connects: ConnectLog, spelling: str
) -> None:
    """A 307 keeps the method, body and headers: none of it may reach any socket."""
    with ScriptedServer(echo) as target, flavor.client() as client:
        location = (
            NAMELESS.get(spelling) or spellings(target.url_for("/containers/create"))[spelling]
        )
        with redirecting(location, 307) as origin, flavor.raises(REDIRECT) as raised:
            client.request(
                "POST", origin.url_for("/evil"), body=b'{"Image": "x"}', headers={"X-Api": "1"}
            )
        assert "into the UNIX socket" in raised.message
        assert connects.total() == 0
        assert target.accepted_connections == 0


@pytest.mark.parametrize(
    "spelling", ["upper case", "leading blank", "trailing blank", "tab in scheme"]
)
def test_redirect_to_another_socket_is_refused_however_written(
    flavor: Flavor, connects: ConnectLog, spelling: str
) -> None:
    with ScriptedServer(echo) as other, flavor.client() as client:
        location = spellings(other.url_for("/x"))[spelling]
        with (
            ScriptedServer(lambda r: Reply(302, headers=[("Location", location)])) as first,
            flavor.raises(REDIRECT) as raised,
        ):
            client.request("GET", first.url_for("/go"))
        assert "different socket" in raised.message
        assert connects.to(other.describe()) == 0
        assert other.accepted_connections == 0


@pytest.mark.parametrize("spelling", NAMELESS)
def test_a_socket_scheme_without_a_name_stays_on_the_socket(flavor: Flavor, spelling: str) -> None:
    with ScriptedServer(same_socket_redirect) as server, flavor.client() as client:
        outcome = client.request("GET", server.url_for(f"/go?to={quote(spelling)}"))
        assert outcome.status == 200
        assert server.accepted_connections == 1


def test_redirect_to_another_socket_is_refused(flavor: Flavor) -> None:
    with ScriptedServer(echo) as other, flavor.client() as client:
        location = other.url_for("/x")
        with (
            ScriptedServer(lambda r: Reply(302, headers=[("Location", location)])) as first,
            flavor.raises(REDIRECT) as raised,
        ):
            client.request("GET", first.url_for("/go"))
        assert "different socket" in raised.message
        assert other.describe() in raised.message
        assert other.accepted_connections == 0


def same_socket_redirect(request: RecordedRequest) -> Reply:
    if request.target == "/go":
        return Reply(307, headers=[("Location", "/landed")])
    if request.target.startswith("/go?to="):
        return Reply(302, headers=[("Location", NAMELESS[unquote(request.target[7:])])])
    return echo(request)


def test_redirect_on_the_same_socket_is_followed(flavor: Flavor) -> None:
    with ScriptedServer(same_socket_redirect) as server, flavor.client() as client:
        outcome = client.request("POST", server.url_for("/go"), body=b"payload")
        assert outcome.body == b"POST /landed"
        assert [(r.target, r.body) for r in server.requests] == [
            ("/go", b"payload"),
            ("/landed", b"payload"),
        ]
        assert server.accepted_connections == 1


def test_opt_in_allows_redirects_into_sockets(flavor: Flavor) -> None:
    with (
        ScriptedServer(echo) as target,
        redirecting(target.url_for("/allowed")) as origin,
        flavor.client(allow_socket_redirects=True) as client,
    ):
        assert client.request("GET", origin.url_for("/")).body == b"GET /allowed"


def test_credentials_are_stripped_when_a_redirect_leaves_the_socket(flavor: Flavor) -> None:
    with ScriptedServer(echo, tcp=True) as outside:
        location = outside.url_for("/elsewhere")
        with (
            ScriptedServer(lambda r: Reply(302, headers=[("Location", location)])) as server,
            flavor.client() as client,
        ):
            headers = {"Authorization": "Bearer secret", "Cookie": "session=1"}
            assert client.request("GET", server.url_for("/go"), headers=headers).status == 200
        assert server.requests[0].header("Authorization") == "Bearer secret"
        (landed,) = outside.requests
        assert landed.header("Authorization") is None


INJECTIONS = {
    "path": ("/a\r\nInjected: 1", None),
    "query": ("/a?x=1\r\nInjected: 1", None),
    "header value": ("/a", {"X-Value": "v\r\nInjected: 1"}),
}
REJECTIONS = (
    ValueError,
    urllib3.exceptions.HTTPError,
    requests.RequestException,
    httpx.HTTPError,
    httpx.InvalidURL,
)


@pytest.mark.parametrize("where", INJECTIONS)
def test_cr_lf_is_encoded_or_rejected(flavor: Flavor, where: str) -> None:
    target, headers = INJECTIONS[where]
    with ScriptedServer(echo) as server, flavor.client() as client:
        try:
            client.request("GET", server.url_for("/").rstrip("/") + target, headers=headers)
        except REJECTIONS:
            assert server.accepted_connections == 0 or server.received == [b""]
            return
        (raw,) = server.received
        request_line, _, rest = raw.partition(b"\r\n")
        assert b"Injected" not in request_line or b"%0D%0A" in request_line
        assert b"\r\nInjected: 1\r\n" not in rest
        assert server.requests[0].header("Injected") is None


def test_host_header_is_never_the_socket_path(flavor: Flavor) -> None:
    with ScriptedServer(echo) as server, flavor.client() as client:
        client.request("GET", server.url_for("/h"))
        assert server.requests[0].header("Host") == "localhost"
        assert server.describe().encode() not in server.received[0]


def test_proxy_environment_has_no_effect(flavor: Flavor, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    with ScriptedServer(echo) as server, flavor.client() as client:
        assert client.request("GET", server.url_for("/p?q=1")).body == b"GET /p?q=1"
        assert server.received[0].startswith(b"GET /p?q=1 HTTP/1.1\r\n")


def test_redirect_to_a_malformed_socket_url_is_refused(
    flavor: Flavor, connects: ConnectLog
) -> None:
    location = "http+unix://%2Frun%2Fapp.sock:80/x"
    with (
        ScriptedServer(lambda r: Reply(302, headers=[("Location", location)])) as server,
        flavor.client() as client,
        flavor.raises(REDIRECT) as raised,
    ):
        client.request("GET", server.url_for("/go"))
    assert "malformed UNIX-socket URL" in raised.message
    assert "has no port" in raised.message
    assert connects.total() == 1  # the first request's only
