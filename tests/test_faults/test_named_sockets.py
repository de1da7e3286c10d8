"""Named sockets (``sockets={"docker": ...}``) and the redirect policy, in every flavor.

A name is its socket: a redirect from any other origin into it is refused before any connect,
from one name to another too; from a name to its socket's own path, or a relative path, is
followed. Plain ``http://<name>/`` is never routed to a socket (a docker-compose service name
is a real TCP host): only the UNIX-socket schemes reach names.
"""

from __future__ import annotations

import os

from support.flavor_fixtures import ConnectLog
from support.flavors import CONNECT, REDIRECT, Flavor

from unixsocket_testutils import RecordedRequest, Reply, ScriptedServer, echo
from unixsocket_url import build_url


def spec(server: ScriptedServer) -> bytes:
    """The server's socket, as its exact name."""
    return os.fsencode(server.address)


def redirecting(location: str, *, tcp: bool = False) -> ScriptedServer:
    return ScriptedServer(lambda request: Reply(307, headers=[("Location", location)]), tcp=tcp)


def test_a_name_reaches_its_socket_in_any_case_sharing_the_connection_of_its_path(
    flavor: Flavor,
) -> None:
    with (
        ScriptedServer(echo) as server,
        flavor.client(sockets={"Docker": spec(server)}) as client,
    ):
        for url in (
            "http+unix://docker/v1.45/containers/json?all=1",
            server.url_for("/by-path"),
            "http+unix://DOCKER/upper",
        ):
            assert client.request("GET", url).status == 200
    assert [seen.target for seen in server.requests] == [
        "/v1.45/containers/json?all=1",
        "/by-path",
        "/upper",
    ]
    assert server.accepted_connections == 1


def test_a_connect_error_names_the_name_and_the_socket(flavor: Flavor, sockdir: str) -> None:
    missing = f"{sockdir}/docker.sock"
    with flavor.client(sockets={"docker": missing}) as client:
        for url in ("http+unix://docker/info", build_url(missing, "/info")):
            with flavor.raises(CONNECT) as raised:
                client.request("GET", url)
            assert f"cannot connect to UNIX socket 'docker ({missing})': no such" in raised.message


def test_a_redirect_from_tcp_to_a_named_socket_is_refused(
    flavor: Flavor, connects: ConnectLog
) -> None:
    with (
        ScriptedServer(echo) as docker,
        flavor.client(sockets={"docker": spec(docker)}) as client,
        redirecting("http+unix://docker/containers/create", tcp=True) as origin,
        flavor.raises(REDIRECT) as raised,
    ):
        client.request("POST", origin.url_for("/evil"), body=b'{"Image": "x"}')
    assert f"into the UNIX socket 'docker ({docker.describe()})'" in raised.message
    assert connects.total() == 0
    assert docker.accepted_connections == 0


def test_a_redirect_from_one_name_to_another_is_refused(
    flavor: Flavor, connects: ConnectLog
) -> None:
    with (
        ScriptedServer(echo) as other,
        redirecting("http+unix://b/x") as first,
        flavor.client(sockets={"a": spec(first), "b": spec(other)}) as client,
        flavor.raises(REDIRECT) as raised,
    ):
        client.request("GET", "http+unix://a/go")
    assert f"to a different socket 'b ({other.describe()})'" in raised.message
    assert connects.to(other.describe()) == 0
    assert other.accepted_connections == 0


def test_a_redirect_from_a_name_to_its_own_socket_is_followed_with_credentials(
    flavor: Flavor,
) -> None:
    def respond(request: RecordedRequest) -> Reply:
        if request.target == "/by-path":
            return Reply(307, headers=[("Location", server.url_for("/relative"))])
        if request.target == "/relative":
            return Reply(307, headers=[("Location", "/landed")])
        return echo(request)

    with (
        ScriptedServer(respond) as server,
        flavor.client(sockets={"docker": spec(server)}) as client,
    ):
        outcome = client.request(
            "GET", "http+unix://docker/by-path", headers={"Authorization": "Bearer t"}
        )
        assert (outcome.status, outcome.body) == (200, b"GET /landed")
    assert [seen.target for seen in server.requests] == ["/by-path", "/relative", "/landed"]
    assert server.requests[-1].header("Authorization") == "Bearer t"
    assert server.accepted_connections == 1


def test_plain_http_to_a_registered_name_stays_tcp(flavor: Flavor, connects: ConnectLog) -> None:
    with (
        ScriptedServer(echo) as unix,
        ScriptedServer(echo, tcp=True) as tcp,
        flavor.client(sockets={"localhost": spec(unix)}) as client,
    ):
        outcome = client.request("GET", f"http://localhost:{tcp.port}/tcp")
        assert outcome.body == b"GET /tcp"
    assert connects.total() == 0
    assert unix.accepted_connections == 0
    assert tcp.accepted_connections == 1
