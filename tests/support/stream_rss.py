"""How much a client's peak RSS grows while it streams one decoded body: run in a fresh process.

``python -m support.stream_rss FLAVOR URL`` (from ``tests/``) streams the body of *URL* with
*FLAVOR*'s own way of reading a decoded body in 64 KiB pieces (urllib3
``stream(decode_content=True)``, requests ``iter_content``, httpx ``iter_bytes``/``aiter_bytes``)
and prints a JSON object: ``growth``, the peak resident memory over the resident memory before
the request, and ``decoded``, the bytes the body decoded to. ``httpx-uds`` is httpx's own
``HTTPTransport(uds=...)``, for comparison. Linux only: the peak is ``VmHWM``, reset through
``/proc/self/clear_refs`` before the request. Without arguments it prints the table of every
flavor on a 256 MiB compression bomb.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Callable

CHUNK = 65536
FLAVORS = ("urllib3", "requests", "httpx", "httpx-asyncio", "httpx-trio", "httpx-uds")


def _status(field: str) -> int:
    """A ``/proc/self/status`` memory figure, in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def _urllib3(url: str) -> int:
    import urllib3_unixsocket

    with urllib3_unixsocket.UnixPoolManager() as manager:
        response = manager.request("GET", url, preload_content=False)
        decoded = sum(len(chunk) for chunk in response.stream(CHUNK, decode_content=True))
        response.release_conn()
        return decoded


def _requests(url: str) -> int:
    import requests_unixsocket

    with requests_unixsocket.Session() as session, session.get(url, stream=True) as response:
        return sum(len(chunk) for chunk in response.iter_content(CHUNK))


def _httpx(url: str) -> int:
    import httpx_unixsocket

    with httpx_unixsocket.Client() as client, client.stream("GET", url) as response:
        return sum(len(chunk) for chunk in response.iter_bytes(CHUNK))


def _httpx_uds(url: str) -> int:
    import httpx

    import unixsocket_url

    address = unixsocket_url.parse_url(url).address
    assert isinstance(address, str)
    transport = httpx.HTTPTransport(uds=address)
    with (
        httpx.Client(transport=transport) as client,
        client.stream("GET", "http://localhost/") as response,
    ):
        return sum(len(chunk) for chunk in response.iter_bytes(CHUNK))


def _async_httpx(backend: str) -> Callable[[str], int]:
    def run(url: str) -> int:
        import anyio

        import httpx_unixsocket

        async def main() -> int:
            decoded = 0
            async with (
                httpx_unixsocket.AsyncClient() as client,
                client.stream("GET", url) as response,
            ):
                async for chunk in response.aiter_bytes(CHUNK):
                    decoded += len(chunk)
            return decoded

        return anyio.run(main, backend=backend)

    return run


_STREAMERS: dict[str, Callable[[str], int]] = {
    "urllib3": _urllib3,
    "requests": _requests,
    "httpx": _httpx,
    "httpx-asyncio": _async_httpx("asyncio"),
    "httpx-trio": _async_httpx("trio"),
    "httpx-uds": _httpx_uds,
}


def measure(flavor: str, url: str) -> dict[str, int]:
    """Stream *url* with *flavor*; the peak RSS growth and the decoded size."""
    import anyio  # noqa: F401  (imported before the baseline, as every client module is)
    import httpx  # noqa: F401
    import requests  # noqa: F401
    import trio  # noqa: F401
    import urllib3  # noqa: F401

    import httpx_unixsocket  # noqa: F401
    import requests_unixsocket  # noqa: F401
    import urllib3_unixsocket  # noqa: F401

    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # resets VmHWM to the current RSS
    before = _status("VmRSS")
    decoded = _STREAMERS[flavor](url)
    return {"growth": _status("VmHWM") - before, "decoded": decoded}


def run(flavor: str, url: str) -> dict[str, int]:
    """:func:`measure` in a fresh Python process."""
    tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run(
        [sys.executable, "-m", "support.stream_rss", flavor, url],
        cwd=tests,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, int] = json.loads(done.stdout)
    return result


def table(encodings: tuple[str, ...] = ("gzip", "deflate")) -> str:
    """Every flavor (and httpx's ``uds=``) on a 256 MiB compression bomb of each encoding."""
    from unixsocket_testutils import ScriptedServer, faults

    rows = ["| flavor | " + " | ".join(encodings) + " |", "|---" * (len(encodings) + 1) + "|"]
    growth: dict[str, list[str]] = {flavor: [] for flavor in FLAVORS}
    for encoding in encodings:
        with ScriptedServer(behaviour=faults.compression_bomb(encoding)) as server:
            for flavor in FLAVORS:
                measured = run(flavor, server.url)
                assert measured["decoded"] == 256 << 20, measured
                growth[flavor].append(f"{measured['growth'] / (1 << 20):.1f} MiB")
    rows += [f"| {flavor} | " + " | ".join(growth[flavor]) + " |" for flavor in FLAVORS]
    return "\n".join(rows)


if __name__ == "__main__":
    if len(sys.argv) == 1:  # python -m support.stream_rss: the table, peak RSS growth per flavor
        print(table())
    else:
        print(json.dumps(measure(sys.argv[1], sys.argv[2])))
