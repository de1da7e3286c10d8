"""What the server saw: one record per request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._protocol import RequestHead


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the server received it; the body is decoded from chunked framing."""

    method: str
    target: str
    """The request target exactly as on the request line (``/a%20b?x=1``)."""
    path: str
    """The path part of the target, still percent-encoded."""
    query: str
    """The query part of the target, without ``?`` (``""`` when absent)."""
    http_version: str
    """``"HTTP/1.1"`` or ``"HTTP/1.0"``."""
    headers: tuple[tuple[str, str], ...]
    """``(name, value)`` pairs in the order and spelling received (values latin-1 decoded)."""
    body: bytes
    """The body bytes received; empty when the client was never told to ``100 Continue``."""
    connection_index: int
    """Which accepted connection the request came on: 0 for the first one, and so on."""

    def header(self, name: str) -> str | None:
        """The value of header *name* (any case), repeated fields joined by ``", "``; or None."""
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return ", ".join(values) if values else None

    @classmethod
    def of(cls, head: RequestHead, body: bytes, connection_index: int) -> RecordedRequest:
        """The record of a request read as *head* and *body* on connection *connection_index*."""
        return cls(
            method=head.method,
            target=head.target,
            path=head.path,
            query=head.query,
            http_version=head.http_version,
            headers=head.headers,
            body=body,
            connection_index=connection_index,
        )
