"""A systemd-style daemon on a Linux abstract socket name, socket-activated, called with urllib3.

    python examples/abstract_daemon.py            # plays systemd, then the client
    python examples/abstract_daemon.py --serve    # the daemon alone (binds @NAME itself)

Like a ``.socket`` unit with ``ListenStream=@NAME``: the "manager" binds and listens on the
abstract name first and starts the daemon with the listening socket as file descriptor 3
(``LISTEN_FDS=1``, ``LISTEN_PID``), so clients can connect at once; requests wait in the backlog
until the daemon accepts them. The daemon is the standard library's ``http.server``. Abstract
names have no file and no permissions: any local process can connect (see docs/security.md).
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import socketserver
import subprocess
import sys
from typing import Any

from unixsocket_url import build_url
from urllib3_unixsocket import UnixPoolManager

SD_LISTEN_FDS_START = 3
DEFAULT_NAME = "unixsocket-http-example"


class StatusHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def address_string(self) -> str:
        return "unix"  # client_address is '' on AF_UNIX; the default logging would fail

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "path": self.path, "pid": os.getpid()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def serve(name: str) -> None:
    """The daemon: the socket systemd passed (fd 3), or bind the abstract name itself."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    activated = os.environ.get("LISTEN_PID") == str(os.getpid()) and os.environ.get("LISTEN_FDS")
    if activated:
        server = UnixHTTPServer("\0" + name, StatusHandler, bind_and_activate=False)
        server.socket.close()
        server.socket = socket.socket(fileno=SD_LISTEN_FDS_START)
    else:
        server = UnixHTTPServer("\0" + name, StatusHandler)
    with server:
        server.serve_forever()


def manager_and_client(name: str) -> None:
    """Bind and listen like systemd, start the daemon on the socket, then talk to it."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("\0" + name)
    listener.listen(16)

    def activate() -> None:  # in the child, between fork and exec, as systemd does
        os.dup2(listener.fileno(), SD_LISTEN_FDS_START)
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_PID"] = str(os.getpid())

    command = [sys.executable, os.path.abspath(__file__), "--serve", name]
    daemon = subprocess.Popen(  # noqa: S603 - our own command
        command,
        pass_fds=(SD_LISTEN_FDS_START,),
        preexec_fn=activate,  # noqa: PLW1509 - no threads are running yet
    )
    with listener, daemon:
        try:
            with UnixPoolManager() as http:
                for path in ("/status", "/status?verbose=1"):
                    response = http.request("GET", build_url("\0" + name, path), timeout=10)
                    print(f"@{name}{path} -> {response.status} {json.loads(response.data)}")
        finally:
            daemon.terminate()
    print(f"daemon exited with {daemon.returncode}")


def main(argv: list[str]) -> int:
    if not sys.platform.startswith("linux"):
        print("abstract socket names exist only on Linux")
        return 0
    if argv[:1] == ["--serve"]:
        serve(argv[1] if len(argv) > 1 else DEFAULT_NAME)
        return 0
    manager_and_client(f"{DEFAULT_NAME}-{os.getpid()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
