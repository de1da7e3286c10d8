"""``python -m unixsocket_testutils``: serve a WSGI application on a UNIX socket until stopped."""

from __future__ import annotations

import argparse
import importlib
import shlex
import signal
import socket
import sys
from typing import TYPE_CHECKING, cast

from unixsocket_url import InvalidSocket, check_held_socket, describe_address

from ._demo import ROUTES, demo_app
from ._server import UnixSocketServerThread
from ._wsgi import ServerContext, serve_connection

if TYPE_CHECKING:
    from collections.abc import Sequence

    from _typeshed.wsgi import WSGIApplication

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 after Ctrl-C or SIGTERM)."""
    parser = argparse.ArgumentParser(
        prog="python -m unixsocket_testutils",
        description="Serve a WSGI application over HTTP/1.1 on a UNIX socket until interrupted; "
        "by default the demo: " + ", ".join(ROUTES) + " (any other path: 404).",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--socket", metavar="PATH", help="bind this path (default: a new private directory)"
    )
    where.add_argument(
        "--abstract", metavar="NAME", help="bind a Linux abstract name (without the leading NUL)"
    )
    where.add_argument(
        "--fd",
        metavar="N",
        type=int,
        help="serve one inherited connected UNIX socket (file descriptor N) until its peer "
        "closes it, then exit (the child end of a socketpair, an accepted connection)",
    )
    parser.add_argument(
        "--app",
        metavar="MODULE:CALLABLE",
        help="the WSGI application to serve (unixsocket_testutils:hello_app answers "
        "'Hello world!' to everything)",
    )
    args = parser.parse_args(argv)
    try:
        app = demo_app if args.app is None else _load_app(args.app)
    except (ImportError, AttributeError, ValueError) as exc:
        parser.error(f"--app {args.app}: {exc}")
    if args.fd is not None:
        return _serve_fd(app, args.fd)
    try:
        server = UnixSocketServerThread(app=app, path=args.socket, abstract=args.abstract)
    except ValueError as exc:  # an empty or overlong name
        parser.error(str(exc))
    # Block the stop signals before any thread starts (threads inherit the mask): they are
    # taken by sigwait() below, so stopping never races with a signal handler.
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        try:
            server.start()
        except OSError as exc:
            print(f"cannot listen on '{describe_address(server.address)}': {exc}", file=sys.stderr)
            return 1
        try:
            _announce(server, demo=app is demo_app)
            signal.sigwait(_STOP_SIGNALS)
        finally:
            server.stop()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    return 0


def _serve_fd(app: WSGIApplication, fd: int) -> int:
    try:
        sock = socket.socket(fileno=fd)
    except OSError as exc:
        print(f"--fd {fd}: {exc.strerror}", file=sys.stderr)
        return 1
    with sock:
        try:
            check_held_socket(sock, f"--fd {fd}")
        except InvalidSocket as exc:
            print(exc, file=sys.stderr)
            return 1
        context = ServerContext(app, sock.getsockname(), lambda _: None, _report)
        serve_connection(sock, 0, context)
    return 0


def _report(error: Exception) -> None:
    print(f"the application raised {error!r}", file=sys.stderr)


def _load_app(spec: str) -> WSGIApplication:
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        raise ValueError("expected MODULE:CALLABLE, such as myapp.wsgi:application")
    app: object = importlib.import_module(module_name)
    for attribute in name.split("."):
        app = getattr(app, attribute)
    if not callable(app):
        raise ValueError(f"{name} is not callable")
    return cast("WSGIApplication", app)


def _announce(server: UnixSocketServerThread, *, demo: bool) -> None:
    if server.usock.startswith("\0"):
        curl = f"curl --abstract-unix-socket {shlex.quote(server.usock[1:])}"
    else:
        curl = f"curl --unix-socket {shlex.quote(server.usock)}"
    lines = [
        f"Serving on UNIX socket {describe_address(server.address)} (Ctrl-C to stop)",
        f"  URL:  {server.url}",
        f"  curl: {curl} http://localhost{'/v1/info' if demo else '/'}",
    ]
    if demo:
        lines.append(f"  routes: {', '.join(ROUTES)}")
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
