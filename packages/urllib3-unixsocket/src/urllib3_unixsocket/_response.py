"""Responses read strictly where http.client's leniency makes a broken response look whole, and
(urllib3 1.26) compressed bodies streamed in bounded memory."""

from __future__ import annotations

import http.client
import re
from typing import TYPE_CHECKING, Any, cast

from urllib3._version import __version__ as urllib3_version
from urllib3.response import HTTPResponse as Urllib3Response

from unixsocket_url import ENCODED_PIECE

from ._errors import BrokenResponseHead

if TYPE_CHECKING:
    from typing import BinaryIO

_DIGITS = re.compile(r"[0-9]+")
_BLANK_LINES = (b"\r\n", b"\n")


class _HeadLines:
    """The response file while http.client reads the head: remembers the last line read."""

    def __init__(self, fp: BinaryIO) -> None:
        self._fp = fp
        self.last = b""

    def readline(self, limit: int = -1) -> bytes:
        self.last = self._fp.readline(limit)
        return self.last

    def __getattr__(self, name: str) -> Any:  # close(), on a status line that is not HTTP
        return getattr(self._fp, name)


class StrictHTTPResponse(http.client.HTTPResponse):
    """http.client's response, with a head that must be whole and final.

    - A head that the connection's end cuts short (no blank line after the fields) raises
      :class:`BrokenResponseHead`; http.client takes what it got as the whole head.
    - Informational responses (``103 Early Hints`` and every ``1xx`` but ``101``) are skipped,
      as httpx skips them; http.client skips ``100`` only and returns the others as final.
    - A ``Content-Length`` other than digits (``-5``) raises :class:`BrokenResponseHead`;
      http.client ignores it and reads the body until the connection closes. So do
      conflicting ones (``1, 2``), which urllib3 refuses with its ``InvalidHeader`` (that
      requests does not wrap), so every broken head is a ``ProtocolError``.
    - The connection of a response without a body by rule (to ``HEAD``, ``204``, ``304``) is
      closed, not reused: a server that sends a body anyway, however late, would have it read
      as the head of the next response on the connection.
    """

    def begin(self) -> None:
        if cast("object", self.headers) is not None:  # (None until the head is read)
            return
        fp = self.fp
        head = _HeadLines(fp)
        self.fp = head  # type: ignore[assignment]
        try:
            while True:
                super().begin()
                if head.last not in _BLANK_LINES:
                    raise BrokenResponseHead(
                        "the server closed the connection in the middle of the response head"
                    )
                if not 100 <= self.status < 200 or self.status == 101:
                    break
                self.headers = self.msg = None  # type: ignore[assignment]
        finally:
            if cast("object", self.fp) is head:  # (None when http.client closed it)
                self.fp = fp
        _check_content_length(self.headers.get_all("Content-Length", []))
        if self._method == "HEAD" or self.status in (204, 304):  # type: ignore[attr-defined]
            self.will_close = True


def _check_content_length(values: list[str]) -> None:
    """Refuse ``Content-Length`` fields that are not numbers, or that disagree (as h11 does)."""
    parts = {part.strip() for value in values for part in value.split(",")}
    if not all(_DIGITS.fullmatch(part) for part in parts):
        raise BrokenResponseHead(f"invalid Content-Length {', '.join(values)!r}")
    if len({int(part) for part in parts}) > 1:
        raise BrokenResponseHead(f"conflicting Content-Length {', '.join(values)!r}")


class BoundedResponse(Urllib3Response):
    """urllib3 1.26's response, decoding a compressed body at most
    :data:`unixsocket_url.ENCODED_PIECE` raw bytes per ``read(amt)`` (and so per ``stream()``
    piece). 1.26 inflates all *amt* raw bytes at once (requests asks 64 KiB: up to 64 MiB, and
    its gzip decoder copies that a few times); bounded, under 10 MiB of peak memory measured,
    however large the body. urllib3 2.6 bounds its reads itself (2.0 to 2.5 do not)."""

    def read(
        self,
        amt: int | None = None,
        decode_content: bool | None = None,
        cache_content: bool = False,
    ) -> bytes:
        decoding = self.decode_content if decode_content is None else decode_content
        if amt is not None and amt > ENCODED_PIECE and decoding and self._encoded():
            amt = ENCODED_PIECE
        return super().read(amt, decode_content, cache_content)

    def _encoded(self) -> bool:
        encoding = self.headers.get("content-encoding", "").strip().lower()
        return encoding not in ("", "identity")


URLLIB3_1 = urllib3_version.startswith("1.")
