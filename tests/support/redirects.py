"""A scripted server's answers for redirect tests: a ``Location`` for some targets, an echo
for the rest; and the credential headers that must never leave a socket."""

from __future__ import annotations

from typing import Callable

from unixsocket_testutils import RecordedRequest, Reply

CREDENTIALS = {
    "Authorization": "Bearer s3cret",
    "Proxy-Authorization": "Basic cHJveHk=",
    "Cookie": "session=abc",
}


def redirecting(locations: dict[str, tuple[int, str]]) -> Callable[[RecordedRequest], Reply]:
    """Answer a target in *locations* (``{target: (status, location)}``, read at each request)
    with that redirect; any other with ``"{method} {target} {body}"``."""

    def respond(request: RecordedRequest) -> Reply:
        if request.target in locations:
            status, location = locations[request.target]
            return Reply(status, headers=[("Location", location)])
        return Reply(body=f"{request.method} {request.target} ".encode() + request.body)

    return respond
