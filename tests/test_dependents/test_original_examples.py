"""The shapes of requests-unixsocket's own examples, each run as the program it is.

``examples/simple-http.py`` GETs a URL given on the command line; ``abstract_namespace.py``
forks, answers one HTTP/1.0 request on a Linux abstract name in the child, and GETs it with
``Session()`` and the literal ``\\0name`` URL form in the parent.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from unixsocket_testutils import UnixSocketServerThread

SIMPLE_HTTP = """
import sys

import requests_unixsocket

session = requests_unixsocket.Session()

url = sys.argv[1]
res = session.get(url)
print(res.text)
"""

ABSTRACT_NAMESPACE = """
import os
import socket
import sys

import requests_unixsocket

name = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.bind("\\0" + name)  # before the fork, so the parent cannot connect too early
sock.listen(1)
if os.fork() == 0:  # child: one response, HTTP/1.0 without a length, then exit
    client_sock, addr = sock.accept()
    client_sock.recv(1024)
    client_sock.sendall(b"HTTP/1.0 200 OK\\r\\n")
    client_sock.sendall(b"Content-Type: text/plain\\r\\n\\r\\n")
    client_sock.sendall(b"Hello world!")
    client_sock.close()
    os._exit(0)
else:  # parent
    sock.close()
    try:
        session = requests_unixsocket.Session()
        res = session.get("http+unix://\\0" + name + "/get")
        print(res.text)
    finally:
        os.wait()
"""


def run(program: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", program, *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_get_a_url_from_the_command_line(unix_server: UnixSocketServerThread) -> None:
    assert run(SIMPLE_HTTP, unix_server.url_for("/path/to/page?x=1")) == "Hello world!\n"
    assert [r.target for r in unix_server.requests] == ["/path/to/page?x=1"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="abstract names are Linux-only")
def test_abstract_namespace_server_in_a_forked_child() -> None:
    assert run(ABSTRACT_NAMESPACE, "test_socket-" + uuid.uuid4().hex) == "Hello world!\n"
