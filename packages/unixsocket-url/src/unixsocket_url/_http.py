"""HTTP rules every flavor applies the same way; each has its one home here."""

from __future__ import annotations

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
"""Methods a client may send once more on a new connection when a reused keep-alive connection
was closed before any byte of the answer (RFC 9110, 9.2.2): the keep-alive race replay rule."""

CREDENTIAL_HEADERS = ("Authorization", "Cookie", "Proxy-Authorization")
"""Headers that never follow a redirect leaving (or, when allowed, entering) a socket."""

ENCODED_PIECE = 2048
"""The most raw bytes of a compressed body handed to a decoder at once while streaming: deflate
inflates at most about 1,032 times, so one piece is at most about 2 MiB of output (httpx's
``iter_bytes(n)`` holds about six times that at its peak: some 12 MiB, however large the body,
where one 512 KiB read could take 3 GiB). Bodies without an encoding keep their large reads."""
